extension Response {
    /// What every answer of a public link route (`/s/…`, `/d/…`) carries, whatever made it:
    /// `Referrer-Policy: no-referrer`, so the link's URL (its token) never leaves in a
    /// `Referer`, and `X-Robots-Tag`, so a link posted somewhere public is not indexed. (The
    /// signed-in pages keep `same-origin`: under `no-referrer` their form posts would carry
    /// `Origin: null`, which the CSRF rule refuses; the public routes are outside that rule.)
    mutating func applyPublicLinkPolicy() {
        headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        headers.replaceOrAdd(name: "X-Robots-Tag", value: "noindex, nofollow")
    }
}
