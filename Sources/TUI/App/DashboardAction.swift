/// What the user can ask the dashboard to do.
public enum DashboardAction: Equatable, Sendable {
    case togglePause
    case cycleTheme
    case toggleHelp
    case closeOverlay
    case quit
    // Views and what they select.
    case showPage(DashboardPage)
    case nextPage, previousPage
    case selectNextRun, selectPreviousRun
    /// A click on a run table row or on a page's row (mouse only).
    case selectRun(id: Int), selectRow(Int)
    case selectNextRow, selectPreviousRow
    case selectNextMetric, selectPreviousMetric
    case toggleSideBySide, toggleShowValues
    // The Training chart and table.
    case toggleSmoothing, smoothMore, smoothLess
    case toggleLogY, cycleXAxis
    case zoomIn, zoomOut, panLeft, panRight, resetZoom
    case cycleSort, reverseSort
    // The selected run.
    case togglePauseRun, stopRun, restartRun, measureRun
    /// Measure every run that is still training (for the Compare view's GPTQ column).
    case measureAll
    case export
    case openForm
    case confirmYes, confirmNo
    // The new-run form.
    case formNextField, formPreviousField, formNextValue, formPreviousValue
    case formType(Character)
    case formDeleteBackward
    case formSubmit, formCancel
    // The Quantize view.
    case quantize(QuantizeAction)
}

/// A key of the Quantize view.
public enum QuantizeAction: Equatable, Sendable {
    /// Change the selected layer (and the rest of the scope).
    case edit(QuantizeEdit)
    /// Edits apply to the layer, its kind, or every layer.
    case cycleScope
    /// Every layer back to W4A4 RTN.
    case reset
    /// The allocation budget up or down by this many half bits.
    case budget(Int)
    /// Allocate the budget over the layers.
    case allocate
    /// Write the plan as a TOML file.
    case write
    /// Measure on freshly fetched weights.
    case refresh
}
