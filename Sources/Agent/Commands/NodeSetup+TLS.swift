import Foundation
import JSON
import Node

extension NodeSetup {
    /// Turns on TLS in a node directory made by `up`: a `tls` block with the city CA and the
    /// node's certificate and key from `certs` (as `Scripts/make-certs` writes them), and an
    /// https:// parent URL.
    static func enableTLS(code: String, dir: String, certs: String) throws {
        let certs = URL(fileURLWithPath: certs).standardizedFileURL.path
        let files = ["ca": "ca.crt", "cert": "\(code).crt", "key": "\(code).key"].mapValues { (certs as NSString).appendingPathComponent($0) }
        for path in files.values.sorted() where !FileManager.default.isReadableFile(atPath: path) {
            throw CommandError("找不到 \(path)：请先运行 Scripts/make-certs 拓扑文件 \(certs)",
                               "\(path) is missing: run Scripts/make-certs TOPOLOGY \(certs) first")
        }
        let path = (dir as NSString).appendingPathComponent(NodeConfig.fileName)
        guard let data = FileManager.default.contents(atPath: path),
              var file = (try? JSONParser.parse(bytes: Array(data)))?.objectValue else {
            throw CommandError("无法读取 \(path)", "cannot read \(path)")
        }
        file["tls"] = ["ca": .string(files["ca"]!), "cert": .string(files["cert"]!), "key": .string(files["key"]!)]
        if let url = file["parent_url"]?.stringValue, url.hasPrefix("http://") {
            file["parent_url"] = .string("https://" + url.dropFirst("http://".count))
        }
        try writeNodeFile(file, dir: dir)
    }
}
