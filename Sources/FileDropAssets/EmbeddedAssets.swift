/// The files of `Assets/`, compiled into the binary (see scripts/generate-assets.sh).
///
/// This module only holds the files' text, as the generator wrote it (base64, which compiles
/// fast where a byte-array literal of the same size would not). It decodes nothing itself:
/// the server decodes it once with the program's one base64 decoder (`FileDropAuth.Base64`),
/// and what to serve, with which headers, is the server's business too.
public enum EmbeddedAssets {
    /// Every file under `Assets/`: its path relative to `Assets/` and its content in base64.
    public static var base64Files: [(path: String, base64: String)] { encoded }
}
