import FileDropStorage

/// What the upload page shows: one page of the file list (a search's results when `query` has
/// words), the signed-in user's storage use, and the lifetimes the upload form offers. The
/// numbers the page script needs (page size, description limit, lifetime cap) go into
/// `data-` attributes, so they are written down once, here on the server.
struct IndexPage {
    var user: String
    var files: [FileRecord]
    var nextCursor: String?
    var pageSize: Int
    /// The search text as typed (`q`), shown again in the search box.
    var query = ""
    var searching = false
    /// Bytes the user's files take, and the quota (nil: none).
    var used: Int64 = 0
    var quota: Int64?
    /// Bytes everyone's files take, and `--max-storage` (0: no limit).
    var usedTotal: Int64 = 0
    var maxStorage: Int64 = 0
    var lifetime = FileLifetime()
    /// `--max-link-ttl`: the longest life the share and drop link forms offer.
    var maxLinkTTL: Int64 = ServerConfiguration().maxLinkTTL

    /// Lifetimes the upload form and the edit form offer, in seconds (those within the cap).
    static let lifetimePresets: [Int64] = [3600, 86_400, 7 * 86_400, 30 * 86_400]

    func values(rowTemplate: Template, pagerTemplate: Template) -> [String: String] {
        var pagerHref = "/?"
        if searching { pagerHref += "q=" + Escaping.percentEncode(query) + "&" }
        let pager = nextCursor.map { cursor in
            pagerTemplate.render(["cursor": cursor, "href": pagerHref + "cursor=" + Escaping.percentEncode(cursor)])
        }
        return [
            "username": user,
            "page_size": String(pageSize),
            "description_max": String(UploadDescription.maxScalars),
            "max_file_ttl": String(lifetime.maxSeconds),
            "search_max": String(FileSearch.maxLength),
            "file_rows": files.map { Self.row($0, template: rowTemplate) }.joined(separator: "\n"),
            "pager": pager ?? "",
            "file_row_template": Pages.rowTemplateSource,
            "pager_template": Pages.pagerTemplateSource,
            "max_link_ttl": String(maxLinkTTL),
            "share_panel_template": Pages.sharePanelTemplateSource,
            "share_link_template": Pages.shareLinkTemplateSource,
            "drop_link_template": Pages.dropLinkTemplateSource,
            "query": query,
            "empty_text": searching ? "No files match your search." : "No files yet. Upload one with the form or drop some files above.",
            "usage": usageHTML,
            "expiry_options": expiryOptionsHTML,
            "expiry_hint": lifetime.maxSeconds > 0
                ? "Files are deleted after \(Self.duration(lifetime.maxSeconds)) at most."
                : "Files without an expiry are kept until someone deletes them.",
        ]
    }

    static func row(_ file: FileRecord, template: Template) -> String {
        template.render([
            "id": String(file.id),
            "description": file.description,
            "filename": file.filename,
            "content_type": file.contentType,
            "size": String(file.size),
            "size_human": Pages.humanSize(file.size),
            "created_at": RFC3339.format(unixMilliseconds: file.createdAt),
            "created_display": RFC3339.display(unixMilliseconds: file.createdAt),
            "expires_at": file.expiresAt.map { RFC3339.format(unixMilliseconds: $0) } ?? "",
            "expires_display": file.expiresAt.map { RFC3339.display(unixMilliseconds: $0) } ?? "Never",
            "uploaded_by": file.uploadedBy,
        ])
    }

    /// "You use 12 MB of your 100 MB quota" with a meter, or without a quota just the use;
    /// the server-wide limit after it when there is one. Numbers only: nothing to escape
    /// but the figures themselves.
    private var usageHTML: String {
        var html: String
        if let quota {
            html =
                "You use <strong>\(Pages.humanSize(used))</strong> of your <strong>\(Pages.humanSize(quota))</strong> quota "
                + "<meter class=\"usage-meter\" min=\"0\" max=\"\(quota)\" value=\"\(min(used, quota))\" "
                + "aria-label=\"Your storage use\">\(Pages.humanSize(used)) of \(Pages.humanSize(quota))</meter>"
        } else {
            html = "You use <strong>\(Pages.humanSize(used))</strong>"
        }
        if maxStorage > 0 {
            html += "<span class=\"usage-total\"> · all files: \(Pages.humanSize(usedTotal)) of \(Pages.humanSize(maxStorage))</span>"
        }
        return html
    }

    /// The `expires_in` choices: the server's default first (an empty value: SPEC counts an
    /// empty field as absent), then the presets within the cap.
    private var expiryOptionsHTML: String {
        let defaultSeconds = lifetime.defaultSeconds > 0 ? lifetime.defaultSeconds : lifetime.maxSeconds
        let defaultLabel = defaultSeconds > 0 ? "Default: \(Self.duration(defaultSeconds))" : "Never (keep it)"
        var options = ["<option value=\"\">\(Escaping.html(defaultLabel))</option>"]
        for seconds in Self.lifetimePresets where lifetime.maxSeconds == 0 || seconds <= lifetime.maxSeconds {
            guard seconds != defaultSeconds else { continue }
            options.append("<option value=\"\(seconds)\">\(Self.duration(seconds))</option>")
        }
        return options.joined()
    }

    /// `86400` → "1 day", `7200` → "2 hours", `90` → "90 seconds".
    static func duration(_ seconds: Int64) -> String {
        func count(_ value: Int64, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s")" }
        if seconds % 86_400 == 0 { return count(seconds / 86_400, "day") }
        if seconds % 3600 == 0 { return count(seconds / 3600, "hour") }
        if seconds % 60 == 0 { return count(seconds / 60, "minute") }
        return count(seconds, "second")
    }
}
