import Core
import Foundation
@testable import Study
import Testing

/// The report says how its runs trained, and fp32 results keep their old JSON.
@Suite("Study report header")
struct StudyReportHeaderTests {
    @Test func theReportSaysWhichPrecisionTrained() throws {
        var results = AllocationStudyTests.results(allocation: nil)
        #expect(StudyReport.markdown(results).contains("held-out text. Trained in fp32.\n"))
        let fp32 = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(results)) as? [String: Any])
        #expect(fp32["precision"] == nil, "fp32 results must read and write as before the field existed")
        results.precision = .bf16
        #expect(StudyReport.markdown(results).contains("Trained in bf16 mixed precision"))
        let back = try JSONDecoder().decode(StudyResults.self, from: try JSONEncoder().encode(results))
        #expect(back.precision == .bf16)
    }
}
