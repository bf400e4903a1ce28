import FileDropStorage
import NIOHTTP1

extension LinkRefusal {
    /// SPEC "Sharing": 404 revoked or unknown (or the file is gone), 410 expired or used up,
    /// 403 past a drop link's `max_files`, 413 past its `max_bytes`.
    var status: HTTPResponseStatus {
        switch self {
        case .gone: .notFound
        case .expired, .usedUp: .gone
        case .noFilesLeft: .forbidden
        case .noBytesLeft: .payloadTooLarge
        }
    }

    var message: String {
        switch self {
        case .gone: "This link does not exist or was revoked"
        case .expired: "This link has expired"
        case .usedUp: "This link has been used as many times as it allows"
        case .noFilesLeft: "This drop link has received all the files it accepts"
        case .noBytesLeft: "This drop link has no room left for this file"
        }
    }
}
