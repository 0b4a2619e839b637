import Agent
#if canImport(Glibc)
import Glibc
#endif

// Test harnesses (Swift Testing) block signals and child processes inherit the mask:
// reset it so SIGTERM and SIGINT reach us.
var everySignal = sigset_t()
sigemptyset(&everySignal)
sigprocmask(SIG_SETMASK, &everySignal, nil)

let code = RootsyncCLI.main(Array(CommandLine.arguments.dropFirst())) { json in
    CommandContext(out: OutputSink(fileDescriptor: 1), err: OutputSink(fileDescriptor: 2),
                   input: LineReader(fileDescriptor: 0), json: json)
}
exit(code.rawValue)
