import FileDropStorage
import NIOHTTP1

/// What an upload answers: the tutorial's text, the JSON record, or a page for a browser's
/// plain form post; errors as `{"message"}` or as that page.
///
/// A guest (through a drop link) gets the same text, but neither a `Location` nor the file's
/// id: both lead to routes only signed-in users may use. Its JSON is the record without the
/// fields that describe the store rather than the file it sent (`GuestFileJSON`), and its
/// pages lead back to the drop page.
enum UploadAnswers {
    static func created(_ record: FileRecord, request: Request, uploader: Uploader) -> Response {
        let isGuest = uploader.dropLink != nil
        var response: Response
        if request.accept.prefersJSON {
            response = .json(.created, isGuest ? GuestFileJSON.record(record) : FileJSON.record(record))
        } else if request.accept.prefersHTML {
            response = Pages.result(
                status: .created, title: "Uploaded", message: "file \(record.filename) uploaded successfully", back: uploader.homePath
            )
        } else {
            response = .text(.created, "file \(record.filename) uploaded successfully")
        }
        if !isGuest {
            response.headers.add(name: "Location", value: "/files/\(record.id)")
        }
        return response
    }

    static func error(_ status: HTTPResponseStatus, _ message: String, request: Request, uploader: Uploader) -> Response {
        if request.accept.prefersHTML && !request.accept.prefersJSON {
            return Pages.result(status: status, title: "Upload failed", message: message, back: uploader.homePath)
        }
        return .message(status, message)
    }
}
