// The multipart parser's libFuzzer harness (see MultipartFuzzHarness).
//
// Built with `-sanitize=fuzzer -DFUZZING` this program is the fuzzer: it hands its
// arguments to libFuzzer's driver (SwiftPM gives every executable its own `main`, so
// libFuzzer's `main` cannot be used). Otherwise it says how to build the fuzzer, or
// measures parse throughput with `--benchmark [MiB]`.

#if FUZZING
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    MultipartFuzzHarness.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's entry point for programs with their own `main` (LLVM 12 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzTestOneInput))
#else
FuzzerCommand.run(CommandLine.arguments)
#endif
