/// One request and what was learnt of it on the way: which endpoint it asks for, and who
/// asks (once the token was checked).
struct Exchange: Sendable {
    let request: Request
    var endpoint: Endpoint?
    var principal: Principal?
}
