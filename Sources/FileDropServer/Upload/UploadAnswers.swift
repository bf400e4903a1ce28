import FileDropStorage
import NIOHTTP1

/// What an upload answers: the tutorial's text, the JSON record, or a page for a browser's
/// plain form post; errors as `{"message"}` or as that page.
enum UploadAnswers {
    static func created(_ record: FileRecord, request: Request) -> Response {
        var response: Response
        if request.accept.prefersJSON {
            response = .json(.created, FileJSON.record(record))
        } else if request.accept.prefersHTML {
            response = Pages.result(status: .created, title: "Uploaded", message: "file \(record.filename) uploaded successfully")
        } else {
            response = .text(.created, "file \(record.filename) uploaded successfully")
        }
        response.headers.add(name: "Location", value: "/files/\(record.id)")
        return response
    }

    static func error(_ status: HTTPResponseStatus, _ message: String, request: Request) -> Response {
        if request.accept.prefersHTML && !request.accept.prefersJSON {
            return Pages.result(status: status, title: "Upload failed", message: message)
        }
        return .message(status, message)
    }
}
