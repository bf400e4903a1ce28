/// What the program does when built without libFuzzer: say how to build the fuzzer, or
/// measure parse throughput with `--benchmark [MiB]`.
enum FuzzerCommand {
    static func run(_ arguments: [String]) {
        if arguments.dropFirst().first == "--benchmark" {
            ParseBenchmark.run(mebibytes: arguments.dropFirst(2).first.flatMap(Int.init) ?? 100)
        } else {
            print(
                """
                MultipartFuzzer: the libFuzzer harness for FileDropMultipart.
                Build and run it with `make fuzz` (scripts/fuzz.sh), which builds this product with
                  -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
                Measure parse throughput: swift run -c release MultipartFuzzer --benchmark [MiB]
                """
            )
        }
    }
}
