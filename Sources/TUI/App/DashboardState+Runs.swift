import Core

/// A question on the status line that the next key answers.
public enum ConfirmRequest: Equatable, Sendable {
    case stop(runID: Int, name: String)
    case restart(runID: Int, name: String)

    /// The question as the status line asks it.
    public var prompt: String {
        switch self {
        case .stop(_, let name): return "stop \(name)? y/n"
        case .restart(_, let name): return "restart \(name) from step 0? y/n"
        }
    }

    var effect: DashboardEffect {
        switch self {
        case .stop(let id, _): return .stop(runID: id)
        case .restart(let id, _): return .restart(runID: id)
        }
    }
}

extension DashboardState {
    /// Keys that act on the selected run, and the answers to their prompts.
    mutating func applyRunControl(_ action: DashboardAction, context: DashboardContext) -> DashboardEffect? {
        switch action {
        case .confirmYes:
            defer { confirm = nil }
            return confirm?.effect
        case .confirmNo:
            confirm = nil
            return nil
        default:
            break
        }
        guard let run = selectedRun(in: context.runs) else {
            notice = "no run selected"
            return nil
        }
        switch action {
        case .togglePauseRun:
            guard !run.status.isTerminal else {
                notice = "\(run.name) has \(run.status.rawValue)"
                return nil
            }
            return .togglePause(runID: run.id)
        case .stopRun:
            guard !run.status.isTerminal else {
                notice = "\(run.name) has already \(run.status.rawValue)"
                return nil
            }
            confirm = .stop(runID: run.id, name: run.name)
        case .restartRun:
            confirm = .restart(runID: run.id, name: run.name)
        case .measureRun:
            notice = "measuring \(run.name) at its next step"
            return .measure(runID: run.id)
        default:
            break
        }
        return nil
    }

    /// Opening, editing and submitting the new-run form.
    mutating func applyForm(_ action: DashboardAction, context: DashboardContext) -> DashboardEffect? {
        if action == .openForm {
            let run = selectedRun(in: context.runs)
            form = RunForm(optimizer: run?.optimizer ?? .adamw,
                           model: run.flatMap { RunForm.models.contains($0.model) ? $0.model : nil } ?? "tiny")
            return nil
        }
        guard var edited = form else { return nil }
        switch action {
        case .formNextField: edited.moveField(by: 1)
        case .formPreviousField: edited.moveField(by: -1)
        case .formNextValue: edited.cycleValue(by: 1)
        case .formPreviousValue: edited.cycleValue(by: -1)
        case .formType(let character): edited.type(character)
        case .formDeleteBackward: edited.deleteBackward()
        case .formCancel:
            form = nil
            return nil
        case .formSubmit:
            switch edited.request() {
            case .success(let request):
                form = nil
                return .start(request)
            case .failure(let error):
                notice = error.description
            }
        default:
            break
        }
        form = edited
        return nil
    }
}
