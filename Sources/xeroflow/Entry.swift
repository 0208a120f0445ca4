import CLI

/// The `xeroflow` binary: everything lives in the CLI library.
@main
struct Entry {
    static func main() async {
        await Xeroflow.main()
    }
}
