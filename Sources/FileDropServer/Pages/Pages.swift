import FileDropStorage
import NIOCore
import NIOHTTP1

/// The HTML pages, filled from the compiled-in templates.
enum Pages {
    private static let loginTemplate = Template.named("login.html")
    private static let indexTemplate = Template.named("index.html")
    private static let rowTemplate = Template.named("file-row.html")
    private static let pagerTemplate = Template.named("pager.html")
    private static let resultTemplate = Template.named("result.html")

    /// file-row.html and pager.html as they are, placeholders and all, for the page's
    /// `<template>` elements: the page script fills a clone of one with a record from the JSON
    /// API (placeholders in attribute values and text only, set through the DOM), so a row it
    /// adds has the same markup as a row rendered here and the markup lives in one file.
    static let rowTemplateSource = StaticAssets.template("file-row.html")
    static let pagerTemplateSource = StaticAssets.template("pager.html")
    /// The link templates, for the share panels and the drop links card (filled by the script).
    static let sharePanelTemplateSource = StaticAssets.template("share-panel.html")
    static let shareLinkTemplateSource = StaticAssets.template("share-link.html")
    static let dropLinkTemplateSource = StaticAssets.template("drop-link.html")

    static func login(status: HTTPResponseStatus, error: String, username: String = "") -> Response {
        .page(status, loginTemplate.render(["error": error, "username": username]))
    }

    /// The upload page: the form, the drop zone, one page of the file list and the drop links
    /// (see `IndexPage`).
    /// Its bytes, which `ListingCache` keeps for the first page.
    static func indexBody(_ page: IndexPage) -> ByteBuffer {
        ByteBuffer(string: indexTemplate.render(page.values(rowTemplate: rowTemplate, pagerTemplate: pagerTemplate)))
    }

    /// What a plain (script-less) form post to /upload answers with; `back` is the page its
    /// button leads back to (the upload page, or a guest's drop page).
    static func result(status: HTTPResponseStatus, title: String, message: String, back: String = "/") -> Response {
        let kind = status.code < 400 ? "success" : "error"
        let backText = back == "/" ? "Back to FileDrop" : "Send more files"
        return .page(
            status, resultTemplate.render(["title": title, "message": message, "kind": kind, "back_href": back, "back_text": backText])
        )
    }

    /// `1536` → `1.5 KB` (powers of 1000, as file managers show). The page script formats
    /// sizes of rows it adds and of files not yet sent with the same rule
    /// (`Assets/static/js/format.js`); the browser suite compares the two.
    static func humanSize(_ bytes: Int64) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        let units = ["KB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = -1
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return tenths >= 100 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
