import Testing

@testable import FileDropServer

@Suite struct TemplateTests {
    @Test func placeholdersAmidMultiByteText() {
        let template = Template("Zoë → {{name}} · 日本語 {{{html}}} ✓")
        #expect(template.render(["name": "<é>", "html": "<b>é</b>"]) == "Zoë → &lt;é&gt; · 日本語 <b>é</b> ✓")
    }

    /// Compared as `Character`s, `{{` or `}}` followed by a combining mark is one grapheme
    /// cluster with the brace and would not match; the template is searched on UTF-8 bytes.
    @Test func bracesNextToCombiningMarksStillDelimit() {
        #expect(Template("a{{name}}\u{301}b").render(["name": "x"]) == "ax\u{301}b")
        #expect(Template("\u{600}{{name}}").render(["name": "x"]) == "\u{600}x")
        #expect(Template("{{{html}}}\u{301}").render(["html": "<i>"]) == "<i>\u{301}")
    }

    @Test func unclosedPlaceholdersStayText() {
        #expect(Template("a {{name").render(["name": "x"]) == "a {{name")
        #expect(Template("{{a}} and {{{b}}").render(["a": "1", "b": "2"]) == "1 and {{{b}}")
    }

    @Test func missingValuesRenderEmpty() {
        #expect(Template("[{{ absent }}]").render([:]) == "[]")
    }
}
