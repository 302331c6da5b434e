import Core

extension DashboardState {
    /// The Quantize view's keys: settings of the view itself, then edits of the selected run's
    /// plan at the selected layer; allocating and writing the plan come back as effects.
    mutating func applyQuantize(_ action: QuantizeAction, context: DashboardContext) -> DashboardEffect? {
        switch action {
        case .cycleScope:
            let scopes = QuantizeScope.allCases
            quantize.scope = scopes[(scopes.firstIndex(of: quantize.scope)! + 1) % scopes.count]
            notice = "edits apply to " + (quantize.scope == .layer ? "the selected layer"
                                          : quantize.scope == .kind ? "every layer of its kind" : "every block linear")
            return nil
        case .budget(let steps):
            quantize.budget = QuantizeState.stepped(budget: quantize.budget, by: steps)
            notice = "allocation budget \(Format.fit(quantize.budget, width: 4)) bits (a allocates)"
            return nil
        case .refresh:
            quantize.refresh += 1
            notice = "measuring on fresh weights"
            return nil
        case .edit, .reset, .allocate, .write:
            break
        }
        guard let run = selectedRun(in: context.runs), let config = QuantizeState.config(of: run) else {
            notice = "no run to quantize"
            return nil
        }
        let targets = QuantizeTarget.all(in: config)
        let target = targets[RowWindow.clamp(selectedRow, count: targets.count)]
        let plan = quantize.plan(run: run.id, config: config)
        switch action {
        case .edit(let edit):
            switch QuantizeState.apply(edit, to: target, scope: quantize.scope, plan: plan, config: config) {
            case .success(let edited): quantize.plans[run.id] = edited
            case .failure(let refusal): notice = "\(ModuleName.short(target.name)): \(refusal)"
            }
        case .reset:
            quantize.plans[run.id] = nil
            notice = "every block linear W4A4 rtn, the head exact"
        case .allocate:
            let method = QuantizeState.setting(of: target, in: plan).method
            let chosen: QuantMethod = method == .gptq ? .gptq : .rtn
            notice = "allocating \(Format.fit(quantize.budget, width: 4)) bits by ABC (\(chosen))"
            return .allocatePlan(runID: run.id, bits: quantize.budget, method: chosen)
        case .write:
            return .writePlan(runID: run.id, plan: plan)
        case .cycleScope, .budget, .refresh:
            break
        }
        return nil
    }
}
