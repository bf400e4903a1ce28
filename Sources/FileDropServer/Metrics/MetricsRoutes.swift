import FileDropStorage
import FileDropSystem
import NIOCore

/// `GET /metrics`: the Prometheus text exposition (0.0.4) of what `ServerMetrics` counted,
/// plus gauges read at scrape time: the database and `-wal` file sizes (`stat`), the
/// stored files (one storage job, which re-counts only when the database changed since the
/// last scrape), uploads in progress, and the process's memory and CPU.
struct MetricsRoutes {
    let eventLoop: EventLoop
    let storage: any StorageAccess
    let metrics: ServerMetrics
    let liveUploads: LiveUploads
    let databasePath: String

    func scrape() -> EventLoopFuture<Response> {
        let known = metrics.storedTotals?.commitCounter
        let (metrics, liveUploads, databasePath) = (metrics, liveUploads, databasePath)
        return storage.run { storage -> (UInt32, (files: Int64, bytes: Int64)?) in
            let counter = storage.commitCounter
            return (counter, counter == known ? nil : try storage.files.totals())
        }.assumeIsolated().map { counter, totals in
            if let totals { metrics.storedTotals = (counter, totals.files, totals.bytes) }
            var text = PrometheusText()
            Self.writeHTTP(metrics.http, to: &text)
            Self.writeStorage(metrics, liveUploads: liveUploads, databasePath: databasePath, to: &text)
            Self.writeProcess(to: &text)
            var response = Response(status: .ok, body: .bytes(ByteBuffer(string: text.text)))
            response.headers.add(name: "Content-Type", value: PrometheusText.contentType)
            response.headers.add(name: "Cache-Control", value: "no-store")
            response.headers.add(name: "X-Content-Type-Options", value: "nosniff")
            return response
        }.nonisolated()
    }

    private static func writeHTTP(_ http: HTTPMetrics, to text: inout PrometheusText) {
        text.describe("filedrop_http_requests_total", .counter, "HTTP requests answered, by route (the endpoint's name) and status.")
        for (key, count) in http.requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            text.sample("filedrop_http_requests_total", ["route": key.route, "status": String(key.status)], count)
        }
        text.describe(
            "filedrop_http_request_duration_seconds", .histogram, "Time from a request's head to its answer's last byte, by route.")
        for (route, durations) in http.durations.sorted(by: { $0.key < $1.key }) {
            text.histogram(
                "filedrop_http_request_duration_seconds", label: ("route", route), bounds: HTTPMetrics.durationBounds,
                counts: durations.counts, sum: durations.sum
            )
        }
        text.single("filedrop_http_received_bytes_total", .counter, "Request body bytes read.", Double(http.bytesReceived))
        text.single("filedrop_http_sent_bytes_total", .counter, "Response body bytes written.", Double(http.bytesSent))
        text.single("filedrop_login_failures_total", .counter, "Logins refused for wrong credentials (401).", Double(http.failedLogins))
        text.single("filedrop_open_connections", .gauge, "HTTP connections open now.", Double(http.openConnections))
    }

    private static func writeStorage(
        _ metrics: ServerMetrics, liveUploads: LiveUploads, databasePath: String, to text: inout PrometheusText
    ) {
        text.single("filedrop_uploads_in_progress", .gauge, "Uploads whose bytes are being stored now.", Double(liveUploads.count))
        text.single("filedrop_stored_files", .gauge, "Files stored.", Double(metrics.storedTotals?.files ?? 0))
        text.single("filedrop_stored_bytes", .gauge, "Bytes of the files stored (their sizes).", Double(metrics.storedTotals?.bytes ?? 0))
        text.single("filedrop_database_file_bytes", .gauge, "Size of the SQLite database file.", Double(FileSystem.size(of: databasePath)))
        text.single("filedrop_wal_file_bytes", .gauge, "Size of the SQLite -wal file.", Double(FileSystem.size(of: databasePath + "-wal")))
        text.describe(
            "filedrop_checkpoints_total", .counter, "WAL checkpoint passes by result (truncated, complete, partial, busy, failed)."
        )
        for result in ["truncated", "complete", "partial", "busy", "failed"] {
            text.sample("filedrop_checkpoints_total", ["result": result], metrics.checkpoints[result] ?? 0)
        }
        text.describe("filedrop_maintenance_steps_total", .counter, "Background maintenance steps run on the storage thread, by task.")
        for (task, steps) in metrics.maintenance.sorted(by: { $0.key < $1.key }) {
            text.sample("filedrop_maintenance_steps_total", ["task": task], steps.steps)
        }
        text.describe("filedrop_maintenance_step_longest_seconds", .gauge, "The longest maintenance step so far, by task.")
        for (task, steps) in metrics.maintenance.sorted(by: { $0.key < $1.key }) {
            text.sample("filedrop_maintenance_step_longest_seconds", ["task": task], steps.longestSeconds)
        }
        guard let storage = metrics.storage?.snapshot else { return }
        text.describe("filedrop_storage_job_duration_seconds", .histogram, "How long each job held the storage thread.")
        text.histogram(
            "filedrop_storage_job_duration_seconds", label: nil, bounds: StorageStatistics.bucketBounds, counts: storage.buckets,
            sum: storage.totalSeconds
        )
        text.single(
            "filedrop_storage_job_longest_seconds", .gauge, "The longest a single job has held the storage thread.", storage.longestSeconds
        )
    }

    private static func writeProcess(to text: inout PrometheusText) {
        let process = ProcessStatistics.read()
        text.single("process_resident_memory_bytes", .gauge, "Resident memory size in bytes.", Double(process.residentBytes))
        text.single("process_virtual_memory_bytes", .gauge, "Virtual memory size in bytes.", Double(process.virtualBytes))
        text.single("process_cpu_seconds_total", .counter, "Total user and system CPU time spent in seconds.", process.cpuSeconds)
        text.single("process_open_fds", .gauge, "Number of open file descriptors.", Double(process.openFileDescriptors))
    }
}
