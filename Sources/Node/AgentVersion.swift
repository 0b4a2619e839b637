/// The version of this rootsync build: `rootsync version`, and `/healthz` on every node.
public enum AgentVersion {
    public static let current = "0.1.0"
}
