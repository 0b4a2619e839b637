import Standards

/// Loads the shipped standards tables, turning a broken installation into a clear error.
enum StandardsData {
    static func divisions() throws -> DivisionTable {
        do {
            return try DivisionTable.sharedBundled()
        } catch {
            throw CommandError("无法读取随程序安装的区划代码表：\(error)",
                               "cannot read the division tables shipped with rootsync: \(error)")
        }
    }
}
