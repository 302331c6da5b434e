import Core
import Foundation
import Testing
@testable import TUI

@Suite("Export")
struct ExportTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesCSVJSONAndTheScreenAtomically() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let exporter = DashboardExport(directory: directory.appendingPathComponent("exports").path)
        let table = ExportTable(header: ["run", "step", "value", "note"],
                                rows: [["adamw/tiny", "10", "2.5", "a, \"b\""], ["muon/tiny", "20", "nan", ""]])
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let base = try exporter.write(page: .training, table: table, screen: "frame text", date: date)
        #expect(base.hasSuffix("/exports/qscope-training-\(DashboardExport.timestamp(date))"))
        #expect(DashboardExport.timestamp(date).wholeMatch(of: /\d{8}-\d{6}/) != nil)

        let csv = try String(contentsOfFile: base + ".csv", encoding: .utf8)
        #expect(csv == "run,step,value,note\r\nadamw/tiny,10,2.5,\"a, \"\"b\"\"\"\r\nmuon/tiny,20,nan,\r\n")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
        let objects = try #require(json as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(objects[0]["run"] as? String == "adamw/tiny")
        #expect(objects[0]["step"] as? Int == 10)
        #expect(objects[0]["value"] as? Double == 2.5)
        #expect(objects[1]["value"] as? String == "nan")
        #expect(objects[1]["note"] is NSNull)
        #expect(try String(contentsOfFile: base + ".txt", encoding: .utf8) == "frame text\n")

        // A second export in the same second gets its own name; no temporary file is left.
        let second = try exporter.write(page: .training, table: table, screen: "again", date: date)
        #expect(second == base + "-2")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("exports").path)
        #expect(files.count == 6 && files.allSatisfy { !$0.hasPrefix(".") })
    }

    @Test func jsonNumbersFollowJSONsGrammar() {
        for number in ["0", "-1", "2.5", "1e-05", "6.02E+23", "-0.0"] { #expect(ExportTable.isJSONNumber(number)) }
        for text in ["", "-", "01", "1.", ".5", "+1", "1e", "nan", "inf", "0x10", "1 "] {
            #expect(!ExportTable.isJSONNumber(text), "\(text)")
        }
        #expect(ExportTable(header: ["a"], rows: []).json == "[]\n")
        #expect(ExportTable(header: ["a"], rows: [["x\"\n\u{1}"]]).json == "[\n  {\"a\": \"x\\\"\\n\\u0001\"}\n]\n")
    }

    /// The Training view exports every logged point of every run, train and val.
    @Test func trainingViewExportsEveryPoint() {
        let table = Fixtures.view().exportTable(snapshots: Fixtures.six, state: DashboardState())
        #expect(table.header == ["run_id", "run", "optimizer", "split", "step", "tokens", "time", "value"])
        let points = Fixtures.six.reduce(0) { $0 + $1.trainHistory.count + $1.valHistory.count }
        #expect(table.rows.count == points)
        let first = Fixtures.six[0].trainHistory.points[0]
        #expect(table.rows[0] == ["0", "adamw/tiny", "adamw", "train", "1", "4096", "0.5", "\(first.value)"])
        #expect(table.rows.contains { $0[3] == "val" && $0[1] == "psgd/tiny" })
        #expect(table.rows.allSatisfy { $0.count == table.header.count })
    }

    @Test func otherViewsExportSomething() {
        for page in [DashboardPage.layers, .propagation, .compare, .help] {
            let table = Fixtures.view().exportTable(snapshots: PageFixtures.runs, state: DashboardState(page: page))
            #expect(!table.header.isEmpty && !table.rows.isEmpty, "\(page)")
        }
        let help = Fixtures.view().exportTable(snapshots: [], state: DashboardState(page: .help))
        #expect(help.rows.count == KeyMap.dashboard.bindings.count)
    }
}
