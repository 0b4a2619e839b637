import Replica
import Sync
import Transport

/// The `reason` label of failure counters: a small fixed set of words, so that no error text
/// (which may name records or addresses) ever becomes a label and the series stay bounded.
public enum MetricReason {
    /// Why a round with the parent failed.
    public static func linkFailure(_ error: any Error) -> String {
        switch error {
        case let e as TransportError:
            switch e {
            case .connectionRefused: return "unreachable"
            case .timedOut: return "timeout"
            case .responseTooLarge: return "response_too_large"
            case .invalidRequest, .curl, .serverStartFailed: return "transport"
            }
        case let e as RemoteError:
            switch e.status {
            case 401: return "unauthorized"
            case 403: return "forbidden"
            case 409: return "conflict"
            case 413: return "too_large"
            case 429: return "throttled"
            case 400..<500: return "refused"
            default: return "parent_error"
            }
        case let e as NodeError:
            switch e {
            case .protocolMismatch: return "protocol"
            case .wrongParent: return "wrong_parent"
            case .reusedIdentity: return "reused_identity"
            case .unknownChild, .roundTooLong: return "round"
            }
        case let e as ReplicaError: return "replica_" + replicaError(e)
        case is ConfigError: return "config"
        case is WireError: return "wire"
        default: return "other"
        }
    }

    /// Why a child's push was refused (the replica's refusal, unwrapped).
    public static func replicaError(_ e: ReplicaError) -> String {
        switch e {
        case .refused(_, let reason): return replicaError(reason)
        case .invalid: return "invalid"
        case .unknownResource: return "unknown_resource"
        case .outsideJurisdiction: return "outside_jurisdiction"
        case .foreignWriter: return "foreign_writer"
        case .groupNotWritable: return "group_not_writable"
        case .unverifiedClaim: return "unverified_claim"
        case .lacksDependency: return "lacks_dependency"
        case .catalogueBehind: return "catalogue_behind"
        case .badRemoteVersion: return "bad_version"
        default: return "other"
        }
    }
}
