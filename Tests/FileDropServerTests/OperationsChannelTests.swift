import NIOCore
import NIOEmbedded
import Testing

@testable import FileDropServer
@testable import FileDropStorage

/// `/healthz`, `/metrics`, deletes and failed commits through the real pipeline.
@Suite struct OperationsChannelTests {
    static let metricsToken = "metrics-token-0123456789"

    private func harness(access: ((Storage, EventLoop) -> any StorageAccess)? = nil) throws -> (PipelineHarness, token: String) {
        var configuration = ServerConfiguration()
        configuration.metricsToken = Self.metricsToken
        let harness = try PipelineHarness(configuration: configuration, access: access)
        try harness.addUser("ann", password: "secret")
        return (harness, harness.token(for: "ann"))
    }

    private func get(_ path: String, bearer: String? = nil) -> String {
        "GET \(path) HTTP/1.1\r\nHost: x\r\n" + (bearer.map { "Authorization: Bearer \($0)\r\n" } ?? "") + "\r\n"
    }

    @Test func healthzIs503WhenTheStorageThreadDoesNotAnswerWithinOneSecond() throws {
        var queued: QueuedStorageAccess?
        let (harness, _) = try harness { storage, loop in
            let access = QueuedStorageAccess(storage: storage, eventLoop: loop)
            queued = access
            return access
        }
        let access = try #require(queued)
        // The storage thread is busy (nothing runs): no answer yet...
        #expect(try harness.exchange(get("/healthz")) == "")
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(try harness.readAnswer() == "")
        // ... and at the deadline a 503, though the ping is still queued.
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let answer = try harness.readAnswer()
        #expect(answer.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(answer.body.contains("\"status\":\"unavailable\""))
        access.runAll()  // the late ping answers nobody
        #expect(try harness.readAnswer() == "")
        // A storage thread that answers in time: 200.
        #expect(try harness.exchange(get("/healthz")) == "")
        access.runAll()
        let healthy = try harness.readAnswer()
        #expect(healthy.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(healthy.body == "{\"status\":\"ok\"}")
    }

    @Test func metricsNeedASignedInUserOrTheMetricsToken() throws {
        let (harness, token) = try harness()
        #expect(try harness.exchange(get("/metrics")).hasPrefix("HTTP/1.1 401 "))
        #expect(try harness.exchange(get("/metrics", bearer: "wrong-token-0123456789")).hasPrefix("HTTP/1.1 401 "))
        #expect(try harness.exchange(get("/metrics", bearer: token)).hasPrefix("HTTP/1.1 200 "))
        let answer = try harness.exchange(get("/metrics", bearer: Self.metricsToken))
        #expect(answer.hasPrefix("HTTP/1.1 200 "))
        #expect(answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        // Requests by route name and status, never by path.
        #expect(answer.body.contains("filedrop_http_requests_total{route=\"metrics\",status=\"401\"} 2\n"))
        #expect(answer.body.contains("filedrop_http_requests_total{route=\"metrics\",status=\"200\"} 1\n"))
        #expect(answer.body.contains("# TYPE filedrop_stored_bytes gauge\nfiledrop_stored_bytes 0\n"))
        // The metrics token opens nothing else.
        for path in ["/files", "/", "/files/1"] {
            #expect(try harness.exchange(get(path, bearer: Self.metricsToken)).hasPrefix("HTTP/1.1 401 "), "\(path)")
        }
    }

    @Test func storedFilesAndBytesFollowUploadsAndDeletes() throws {
        let (harness, token) = try harness()
        let body = FormBody.encode([.field("description", Array("one".utf8)), .file(filename: "a", [UInt8](repeating: 1, count: 1000))])
        #expect(try harness.exchange(FormBody.request(token: token, body: body)).hasPrefix("HTTP/1.1 201 "))
        var metrics = try harness.exchange(get("/metrics", bearer: token)).body
        #expect(metrics.contains("\nfiledrop_stored_files 1\n") && metrics.contains("\nfiledrop_stored_bytes 1000\n"))
        #expect(metrics.contains("filedrop_http_received_bytes_total \(body.count)\n"))
        #expect(
            try harness.exchange("DELETE /files/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n").hasPrefix("HTTP/1.1 204 ")
        )
        metrics = try harness.exchange(get("/metrics", bearer: token)).body
        #expect(metrics.contains("\nfiledrop_stored_files 0\n") && metrics.contains("\nfiledrop_stored_bytes 0\n"))
        #expect(metrics.contains("filedrop_maintenance_steps_total{task=\"reclaim space\"}"))
    }

    @Test func aDeleteAnswers204AtOnceAndTheReclaimFollows() throws {
        var queued: QueuedStorageAccess?
        let (harness, token) = try harness { storage, loop in
            let access = QueuedStorageAccess(storage: storage, eventLoop: loop)
            queued = access
            return access
        }
        let access = try #require(queued)
        let id = try harness.storage.files.beginUpload(filename: "f", contentType: "t", uploadedBy: "ann", chunkSize: 4, now: 1)
        for sequence in 0..<40 {
            try [1, 2, 3, 4].withUnsafeBytes { try harness.storage.files.writeChunk(fileID: id, sequence: Int64(sequence), bytes: $0) }
        }
        _ = try harness.storage.files.completeUpload(fileID: id, description: "d", size: 160, sha256: "00", now: 2)
        #expect(try harness.exchange("DELETE /files/\(id) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\n\r\n") == "")
        access.runNext()  // the delete itself: one small commit
        #expect(try harness.readAnswer().hasPrefix("HTTP/1.1 204 "))
        #expect(try harness.count("chunks") == 40)  // freed later, step by step
        #expect(access.runAll() >= 3)
        #expect(try harness.count("chunks") == 0)
        #expect(try harness.count("files") == 0)
    }

    @Test func aFailedFinalCommitLeavesNoRows() throws {
        let (harness, token) = try harness()
        // A real SQLite error at the final commit, as a full disk or an I/O error would give.
        try harness.storage.database.execute(
            "CREATE TEMP TRIGGER fail BEFORE UPDATE OF complete ON files WHEN NEW.complete = 1 BEGIN SELECT RAISE(ABORT, 'injected'); END"
        )
        let body = FormBody.encode([.field("description", Array("x".utf8)), .file(filename: "a", [UInt8](repeating: 7, count: 3 << 20))])
        let answer = try harness.exchange(FormBody.request(token: token, body: body))
        #expect(answer.hasPrefix("HTTP/1.1 500 "))
        #expect(try harness.count("files") == 0)
        #expect(try harness.count("chunks") == 0)
        #expect(harness.context.liveUploads.count == 0)
    }
}
