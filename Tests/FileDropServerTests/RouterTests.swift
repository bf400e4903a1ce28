import NIOHTTP1
import Testing

@testable import FileDropServer

@Suite struct RouterTests {
    @Test(arguments: [
        (HTTPMethod.GET, "/", Endpoint.index), (.GET, "/healthz", .health), (.HEAD, "/healthz", .health),
        (.GET, "/login", .loginWithBasic), (.POST, "/login", .loginWithForm), (.POST, "/logout", .logout),
        (.POST, "/upload", .upload), (.GET, "/files", .listFiles), (.GET, "/files/12", .fileRecord(12)),
        (.DELETE, "/files/12", .deleteFile(12)), (.GET, "/files/12/content", .fileContent(12)),
        (.HEAD, "/files/3/content", .fileContent(3)), (.GET, "/favicon.ico", .favicon),
    ])
    func knownRoutes(method: HTTPMethod, path: String, endpoint: Endpoint) {
        #expect(Router.match(method: method, path: path) == .endpoint(endpoint))
    }

    @Test(arguments: [
        "/nope", "/files/abc", "/files/-1", "/files/01", "/files/1/other", "/files/99999999999999999999", "/static/missing.css",
        "/static/../templates/index.html", "//",
    ])
    func unknownPathsAre404(path: String) {
        #expect(Router.match(method: .GET, path: path) == .notFound)
    }

    @Test func wrongMethodsAre405WithAllow() {
        #expect(Router.match(method: .PUT, path: "/files") == .methodNotAllowed(allow: ["GET", "HEAD"]))
        #expect(Router.match(method: .GET, path: "/upload") == .methodNotAllowed(allow: ["POST"]))
        #expect(Router.match(method: .PUT, path: "/files/3") == .methodNotAllowed(allow: ["GET", "HEAD", "PATCH", "DELETE"]))
    }

    @Test func onlyFileRoutesAndPagesNeedAToken() {
        #expect(!Endpoint.health.requiresToken)
        #expect(!Endpoint.loginWithForm.requiresToken)
        #expect(Endpoint.upload.requiresToken)
        #expect(Endpoint.index.requiresToken)
    }
}
