import NIOHTTP1
import Testing

@testable import FileDropServer

/// The routes of share and drop links: matched before authentication like every route, a
/// token without a token's shape is an unknown path, and only the public ones need no session.
@Suite struct LinkRouterTests {
    static let token = "abcdefghijklmnopqrstuv-_"

    @Test(arguments: [
        (HTTPMethod.POST, "/files/4/links", Endpoint.createShareLink(fileID: 4)), (.GET, "/files/4/links", .listShareLinks(fileID: 4)),
        (.DELETE, "/links/9", .revokeShareLink(9)), (.POST, "/drops", .createDropLink), (.GET, "/drops", .listDropLinks),
        (.DELETE, "/drops/2", .revokeDropLink(2)), (.GET, "/s/\(token)", .sharePage(token: token)),
        (.POST, "/s/\(token)", .unlockShare(token: token)), (.GET, "/s/\(token)/content", .sharedContent(token: token)),
        (.HEAD, "/s/\(token)/content", .sharedContent(token: token)), (.GET, "/d/\(token)", .dropPage(token: token)),
        (.POST, "/d/\(token)/upload", .dropUpload(token: token)),
    ])
    func knownRoutes(method: HTTPMethod, path: String, endpoint: Endpoint) {
        #expect(Router.match(method: method, path: path) == .endpoint(endpoint))
    }

    @Test(arguments: [
        "/s/short", "/s/\(token)x", "/s/\(token.dropLast())=", "/s/\(token)/other", "/d/\(token)/content", "/d/\(token)/upload/x",
        "/links", "/links/x", "/drops/01", "/s", "/d/",
    ])
    func unknownPathsAre404(path: String) {
        #expect(Router.match(method: .GET, path: path) == .notFound)
    }

    @Test func wrongMethodsAre405() {
        #expect(Router.match(method: .GET, path: "/links/3") == .methodNotAllowed(allow: ["DELETE"]))
        #expect(Router.match(method: .PUT, path: "/drops") == .methodNotAllowed(allow: ["GET", "HEAD", "POST"]))
        #expect(Router.match(method: .POST, path: "/s/\(Self.token)/content") == .methodNotAllowed(allow: ["GET", "HEAD"]))
        #expect(Router.match(method: .GET, path: "/d/\(Self.token)/upload") == .methodNotAllowed(allow: ["POST"]))
    }

    @Test func onlyTheLinkRoutesArePublic() {
        for endpoint in [
            Endpoint.sharePage(token: ""), .unlockShare(token: ""), .sharedContent(token: ""), .dropPage(token: ""), .dropUpload(token: ""),
        ] {
            #expect(!endpoint.requiresToken && endpoint.isPublicLink)
        }
        for endpoint in [
            Endpoint.createShareLink(fileID: 1), .listShareLinks(fileID: 1), .revokeShareLink(1), .createDropLink, .listDropLinks,
            .revokeDropLink(1),
        ] {
            #expect(endpoint.requiresToken && !endpoint.isPublicLink)
        }
    }

    @Test(arguments: [
        ("/s/\(token)", "/s/REDACTED"), ("/s/\(token)/content", "/s/REDACTED/content"), ("/d/\(token)/upload", "/d/REDACTED/upload"),
        ("/files/1", "/files/1"), ("/static/drop.js", "/static/drop.js"),
    ])
    func theAccessLogNeverShowsALinksToken(uri: String, logged: String) {
        let request = Request(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri), clientAddress: "-", receivedAt: .now)
        #expect(request.redactedURI == logged)
    }
}
