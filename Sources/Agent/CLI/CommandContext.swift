/// What a running command talks to: its output streams, its input, and the global options.
/// Tests give it in-memory streams; the executable gives it the process's file descriptors.
public final class CommandContext {
    public let out: OutputSink
    public let err: OutputSink
    public let input: LineReader
    public let json: Bool

    public init(out: OutputSink, err: OutputSink, input: LineReader, json: Bool) {
        self.out = out
        self.err = err
        self.input = input
        self.json = json
    }
}
