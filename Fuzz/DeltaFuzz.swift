// libFuzzer target: the sync delta decoder on hostile bytes (issue 6).
// bytes → JSONParser.parse(bytes:) → VersionBatch.decode → for every batch that decodes,
// GroupVersion → JSON text → parse → GroupVersion must give back the same version.
// Built and run by Scripts/fuzz (not by SwiftPM). Errors thrown are fine; a trap, an ASan report,
// a timeout or a broken round trip is a finding.
import JSON
import Causality
import Sync

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let json = try? JSONParser.parse(bytes: bytes) else { return 0 }
    // A push body or a pull answer is {"versions": [...], ...}; a bare array is a batch too.
    let payload: JSONValue? = json.objectValue != nil ? json["versions"] : json
    guard let versions = try? VersionBatch.decode(payload) else { return 0 }
    for v in versions {
        let text = v.json.text
        let reparsed: JSONValue
        do { reparsed = try JSONParser.parse(text) } catch {
            fatalError("round trip: encoded version does not parse: \(error)\n\(text)")
        }
        let again: GroupVersion
        do { again = try GroupVersion(json: reparsed) } catch {
            fatalError("round trip: encoded version does not decode: \(error)\n\(text)")
        }
        if again != v { fatalError("round trip: version changed\n\(text)\n\(again.json.text)") }
        if again.json.text != text { fatalError("round trip: encoding not stable\n\(text)\n\(again.json.text)") }
    }
    // The whole batch, re-encoded as the wire does, decodes to the same batch.
    let wire = VersionBatch.encode(versions).text
    guard let back = try? VersionBatch.decode(try? JSONParser.parse(wire)), back == versions else {
        fatalError("round trip: batch changed\n\(wire)")
    }
    return 0
}
