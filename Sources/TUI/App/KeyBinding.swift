/// Where a binding applies; the help groups bindings under these headings.
public enum KeySection: String, CaseIterable, Sendable {
    case general = "General"
    case runs = "Selected run"
    case training = "Training view"
    case pages = "Layers, Propagation, Compare"
    case quantize = "Quantize view"
    case form = "New-run form"
    case confirm = "Confirm prompt"
}

/// One entry of the key table: the keys, what they do in words, and the action.
///
/// The same table drives dispatch, the help bar and the help, so the help can never
/// disagree with what the keys actually do. A pair of opposite actions shares one entry
/// (`j/k` next/previous), keeping the help short enough for 80×24.
public struct KeyBinding: Equatable, Sendable {
    public var keys: [Key]
    public var description: String
    /// One action for every key, or one per key, in the order of `keys`.
    public var actions: [DashboardAction]
    public var section: KeySection
    /// Shown in the one-line help bar (the help shows every binding).
    public var inHelpBar: Bool
    /// How help writes the keys, when listing them all would be long ("1-5").
    public var label: String?
    /// A shorter text for the help bar than `description`, where room is scarce.
    public var hint: String?

    public init(keys: [Key], description: String, action: DashboardAction, section: KeySection = .general,
                inHelpBar: Bool = true, hint: String? = nil) {
        self.init(keys: keys, description: description, actions: [action], section: section, inHelpBar: inHelpBar,
                  hint: hint)
    }

    public init(keys: [Key], description: String, actions: [DashboardAction], section: KeySection,
                label: String? = nil, inHelpBar: Bool = false, hint: String? = nil) {
        precondition(actions.count == 1 || actions.count == keys.count, "one action, or one per key")
        self.keys = keys
        self.description = description
        self.actions = actions
        self.section = section
        self.inHelpBar = inHelpBar
        self.label = label
        self.hint = hint
    }

    /// The action of the first key.
    public var action: DashboardAction { actions[0] }

    /// The action `key` triggers, or nil when it is not one of this binding's keys.
    public func action(for key: Key) -> DashboardAction? {
        guard let index = keys.firstIndex(of: key) else { return nil }
        return actions.count == 1 ? actions[0] : actions[index]
    }

    /// The keys as help text writes them: "q", "Esc", "j/k/Down/Up".
    public var keyLabel: String { label ?? keys.map(\.label).joined(separator: "/") }
}

/// An ordered key table and its dispatcher.
public struct KeyMap: Equatable, Sendable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
    }

    /// The sections whose keys work in `state`: a prompt or the form takes every key;
    /// otherwise the general and run keys plus those of the view on screen.
    public static func activeSections(_ state: DashboardState) -> [KeySection] {
        if state.confirm != nil { return [.confirm] }
        if state.form != nil { return [.form] }
        switch state.page {
        case .training: return [.general, .runs, .training]
        case .layers, .propagation, .compare: return [.general, .runs, .pages]
        case .quantize: return [.general, .runs, .quantize]
        case .help, .study: return [.general, .runs]
        }
    }

    /// The bindings that work in `state`, in table order.
    public func activeBindings(_ state: DashboardState) -> [KeyBinding] {
        let sections = Self.activeSections(state)
        return bindings.filter { sections.contains($0.section) }
    }

    /// The action bound to `key` in `state`; the first binding wins when a key appears twice.
    ///
    /// A prompt treats any other key as "no"; the form types other characters into its field.
    public func action(for key: Key, state: DashboardState = DashboardState()) -> DashboardAction? {
        if let action = activeBindings(state).lazy.compactMap({ $0.action(for: key) }).first { return action }
        if state.confirm != nil { return .confirmNo }
        if state.form != nil, case .character(let character) = key { return .formType(character) }
        return nil
    }

    /// The dashboard's keys; vim keys and arrows do the same wherever both make sense.
    public static let dashboard = KeyMap(bindings: [
        KeyBinding(keys: [.character("?")], description: "help on/off", action: .toggleHelp, hint: "help"),
        KeyBinding(keys: [.character("t")], description: "next theme", action: .cycleTheme, inHelpBar: false),
        KeyBinding(keys: [.escape], description: "close help", action: .closeOverlay, inHelpBar: false),
        KeyBinding(keys: [.character("q")], description: "quit (Ctrl-C too)", action: .quit, hint: "quit"),
        KeyBinding(keys: DashboardPage.allCases.map { .character(Character("\($0.rawValue)")) }, description: "views",
                   actions: DashboardPage.allCases.map { .showPage($0) }, section: .general, label: "1-\(DashboardPage.standard.count)"),
        KeyBinding(keys: [.tab, .backTab], description: "next/previous view", actions: [.nextPage, .previousPage],
                   section: .general),
    ] + quantizeBindings + [

        KeyBinding(keys: [.character(" ")], description: "pause/resume run", action: .togglePauseRun, section: .runs,
                   hint: "pause"),
        KeyBinding(keys: [.character("p")], description: "pause/resume all", action: .togglePause, section: .runs,
                   hint: "pause all"),
        KeyBinding(keys: [.character("s")], description: "stop run", action: .stopRun, section: .runs, hint: "stop"),
        KeyBinding(keys: [.character("r")], description: "restart run", action: .restartRun, section: .runs,
                   inHelpBar: false),
        KeyBinding(keys: [.character("n")], description: "new run", action: .openForm, section: .runs),
        KeyBinding(keys: [.character("m"), .character("M")], description: "measure now / all",
                   actions: [.measureRun, .measureAll], section: .runs),
        KeyBinding(keys: [.character("e")], description: "export view", action: .export, section: .runs,
                   hint: "export"),

        KeyBinding(keys: [.character("j"), .character("k"), .down, .up], description: "select run",
                   actions: [.selectNextRun, .selectPreviousRun, .selectNextRun, .selectPreviousRun], section: .training),
        KeyBinding(keys: [.character("o"), .character("O")], description: "sort column, reverse",
                   actions: [.cycleSort, .reverseSort], section: .training),
        KeyBinding(keys: [.character("w")], description: "smoothing on/off", action: .toggleSmoothing, section: .training,
                   inHelpBar: false),
        KeyBinding(keys: [.character("["), .character("]")], description: "smoothing less/more",
                   actions: [.smoothLess, .smoothMore], section: .training),
        KeyBinding(keys: [.character("y")], description: "log y on/off", action: .toggleLogY, section: .training,
                   inHelpBar: false),
        KeyBinding(keys: [.character("x")], description: "x: step/tokens/time", action: .cycleXAxis, section: .training,
                   inHelpBar: false),
        KeyBinding(keys: [.character("+"), .character("="), .character("-")], description: "zoom x in/out",
                   actions: [.zoomIn, .zoomIn, .zoomOut], section: .training, label: "+/-"),
        KeyBinding(keys: [.character("h"), .character("l"), .left, .right], description: "pan x",
                   actions: [.panLeft, .panRight, .panLeft, .panRight], section: .training),
        KeyBinding(keys: [.character("0")], description: "reset zoom", action: .resetZoom, section: .training,
                   inHelpBar: false),

        KeyBinding(keys: [.character("j"), .character("k"), .down, .up], description: "select row",
                   actions: [.selectNextRow, .selectPreviousRow, .selectNextRow, .selectPreviousRow], section: .pages),
        KeyBinding(keys: [.character("h"), .character("l"), .left, .right], description: "select metric",
                   actions: [.selectPreviousMetric, .selectNextMetric, .selectPreviousMetric, .selectNextMetric],
                   section: .pages),
        KeyBinding(keys: [.character("<"), .character(">")], description: "previous/next run",
                   actions: [.selectPreviousRun, .selectNextRun], section: .pages),
        KeyBinding(keys: [.character("a")], description: "all runs / one run", action: .toggleSideBySide,
                   section: .pages, inHelpBar: false),
        KeyBinding(keys: [.character("v")], description: "values on/off", action: .toggleShowValues, section: .pages,
                   inHelpBar: false),

        KeyBinding(keys: [.tab, .backTab, .down, .up], description: "next/previous field",
                   actions: [.formNextField, .formPreviousField, .formNextField, .formPreviousField], section: .form,
                   inHelpBar: true, hint: "field"),
        KeyBinding(keys: [.left, .right], description: "change value", actions: [.formPreviousValue, .formNextValue],
                   section: .form, inHelpBar: true, hint: "value"),
        KeyBinding(keys: [.enter, .escape], description: "start / cancel", actions: [.formSubmit, .formCancel],
                   section: .form, label: "Enter/Esc", inHelpBar: true, hint: "start/cancel"),
        KeyBinding(keys: [.backspace], description: "delete a character", action: .formDeleteBackward, section: .form,
                   inHelpBar: false),

        KeyBinding(keys: [.character("y"), .character("n"), .escape], description: "yes / no",
                   actions: [.confirmYes, .confirmNo, .confirmNo], section: .confirm, label: "y/n", inHelpBar: true),
    ])

    /// The Quantize view's keys; early in the table so its help bar shows them before the
    /// run keys (no key here is a run key, so the order decides nothing else).
    static let quantizeBindings = [
        KeyBinding(keys: [.character("j"), .character("k"), .down, .up], description: "select layer",
                   actions: [.selectNextRow, .selectPreviousRow, .selectNextRow, .selectPreviousRow], section: .quantize),
        KeyBinding(keys: [.character("<"), .character(">")], description: "previous/next run",
                   actions: [.selectPreviousRun, .selectNextRun], section: .quantize),
        KeyBinding(keys: [.character("h"), .character("l"), .left, .right], description: "weight bits -/+",
                   actions: [.quantize(.edit(.weightBits(-1))), .quantize(.edit(.weightBits(1))),
                             .quantize(.edit(.weightBits(-1))), .quantize(.edit(.weightBits(1)))],
                   section: .quantize, inHelpBar: true, hint: "W bits"),
        KeyBinding(keys: [.character("H"), .character("L")], description: "input bits -/+",
                   actions: [.quantize(.edit(.activationBits(-1))), .quantize(.edit(.activationBits(1)))],
                   section: .quantize, inHelpBar: true, hint: "A bits"),
        KeyBinding(keys: [.character("c")], description: "method rtn/gptq/fp", action: .quantize(.edit(.cycleMethod)),
                   section: .quantize, hint: "method"),
        KeyBinding(keys: [.character("g")], description: "edit layer/kind/all", action: .quantize(.cycleScope),
                   section: .quantize, hint: "scope"),
        KeyBinding(keys: [.character("u")], description: "reset to W4A4 rtn", action: .quantize(.reset),
                   section: .quantize, inHelpBar: false),
        KeyBinding(keys: [.character("["), .character("]")], description: "budget -/+ 0.5 bits",
                   actions: [.quantize(.budget(-1)), .quantize(.budget(1))], section: .quantize),
        KeyBinding(keys: [.character("a")], description: "allocate the budget", action: .quantize(.allocate),
                   section: .quantize, hint: "allocate"),
        KeyBinding(keys: [.character("w")], description: "write plan (TOML)", action: .quantize(.write),
                   section: .quantize, hint: "write"),
        KeyBinding(keys: [.character("f")], description: "fresh weights", action: .quantize(.refresh),
                   section: .quantize, inHelpBar: false),
    ]
}
