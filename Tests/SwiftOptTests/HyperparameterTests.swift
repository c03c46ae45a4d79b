import Testing
import SwiftOpt

@Suite("Hyperparameters: defaults, bounds, names")
struct HyperparameterTests {
    @Test("defaults are torch.optim's", arguments: Algorithm.allCases)
    func defaults(_ algorithm: Algorithm) throws {
        let torch = TorchDefaults.values(algorithm)
        // torch's constructor arguments, plus swiftopt's regularization and
        // clipping options and the non-finite skip (all off by default; AdamW
        // always decouples).
        var extensions: Set<Hyperparameter> = [.l1, .maxGradNorm, .clipValue, .skipNonfinite]
        if algorithm != .adamw { extensions.insert(.decoupledWeightDecay) }
        #expect(Set(algorithm.hyperparameters) == Set(torch.keys).union(extensions),
                "\(algorithm.name): hyperparameters \(algorithm.hyperparameters.map(\.name))")
        for h in extensions { #expect(algorithm.spec(h)?.defaultValue == 0, "\(algorithm.name).\(h.name)") }
        let optimizer = Optimizer(algorithm: algorithm)
        for (h, value) in torch {
            #expect(try optimizer.value(h) == value, "\(algorithm.name).\(h.name)")
            #expect(algorithm.spec(h)?.defaultValue == value, "\(algorithm.name).\(h.name) spec")
        }
        // A second group starts at the defaults too.
        let g = optimizer.addGroup()
        for (h, value) in torch { #expect(try optimizer.value(h, group: g) == value) }
    }

    @Test("the documented defaults, written literally")
    func literalDefaults() throws {
        func v(_ a: Algorithm, _ h: Hyperparameter) throws -> Double { try Optimizer(algorithm: a).value(h) }
        #expect(try v(.sgd, .lr) == 1e-3)
        #expect(try v(.sgd, .momentum) == 0)
        #expect(try v(.adagrad, .lr) == 1e-2)
        #expect(try v(.adagrad, .eps) == 1e-10)
        #expect(try v(.adagrad, .initialAccumulatorValue) == 0)
        #expect(try v(.rmsprop, .lr) == 1e-2)
        #expect(try v(.rmsprop, .alpha) == 0.99)
        #expect(try v(.rmsprop, .eps) == 1e-8)
        #expect(try v(.adam, .lr) == 1e-3)
        #expect(try v(.adam, .beta1) == 0.9)
        #expect(try v(.adam, .beta2) == 0.999)
        #expect(try v(.adam, .eps) == 1e-8)
        #expect(try v(.adam, .weightDecay) == 0)
        #expect(try v(.adamw, .weightDecay) == 1e-2)
        #expect(try v(.adamw, .lr) == 1e-3)
    }

    @Test("every bound of every algorithm's table", arguments: Algorithm.allCases)
    func bounds(_ algorithm: Algorithm) throws {
        for spec in algorithm.specs {
            let h = spec.hyperparameter
            let what = "\(algorithm.name).\(h.name)"
            let accepted: [Double], rejected: [Double]
            if spec.isBoolean {
                accepted = [0, 1]
                rejected = [0.5, 2, -1, 1e-300]
            } else {
                var a: [Double] = [spec.defaultValue], r: [Double] = []
                if spec.lowerExclusive {
                    r.append(spec.lowerBound); a.append(spec.lowerBound.nextUp)
                } else {
                    a.append(spec.lowerBound); r.append(spec.lowerBound.nextDown)
                }
                if spec.upperBound.isFinite {
                    if spec.upperExclusive {
                        r.append(spec.upperBound); a.append(spec.upperBound.nextDown)
                    } else {
                        a.append(spec.upperBound); r.append(spec.upperBound.nextUp)
                    }
                } else {
                    a.append(1e300)
                }
                accepted = a
                rejected = r
            }
            for value in accepted {
                // SGD's nesterov = 1 needs momentum > 0 (checked separately).
                let optimizer = Optimizer(algorithm: algorithm)
                if algorithm == .sgd && h == .nesterov { try optimizer.set(.momentum, 0.9) }
                #expect(throws: Never.self, "\(what) = \(value) must be accepted") { try optimizer.set(h, value) }
                #expect(try optimizer.value(h) == value, "\(what) = \(value)")
                #expect(throws: Never.self) { try spec.validate(value) }
            }
            for value in rejected + [.nan, .infinity, -.infinity, -.nan] {
                let optimizer = Optimizer(algorithm: algorithm)
                let before = optimizer.groups
                expectError(.outOfBounds, "\(what) = \(value)") { try optimizer.set(h, value) }
                #expect(optimizer.groups == before, "\(what) = \(value): a failed set changed the group")
                expectError(.outOfBounds, "\(what).validate(\(value))") { try spec.validate(value) }
            }
        }
    }

    @Test("the issue's bounds, written literally")
    func literalBounds() throws {
        for algorithm in Algorithm.allCases {
            let o = Optimizer(algorithm: algorithm)
            expectError(.outOfBounds, "\(algorithm.name) lr < 0") { try o.set(.lr, -1e-12) }
            try o.set(.lr, 0)
            expectError(.outOfBounds, "\(algorithm.name) weight_decay < 0") { try o.set(.weightDecay, -1e-12) }
            expectError(.outOfBounds, "\(algorithm.name) maximize = 0.5") { try o.set(.maximize, 0.5) }
        }
        for algorithm in [Algorithm.adam, .adamw] {
            let o = Optimizer(algorithm: algorithm)
            for beta in [Hyperparameter.beta1, .beta2] {
                try o.set(beta, 0)
                try o.set(beta, 0.999999)
                expectError(.outOfBounds, "\(beta.name) = 1") { try o.set(beta, 1) }
                expectError(.outOfBounds, "\(beta.name) < 0") { try o.set(beta, -0.1) }
            }
            expectError(.outOfBounds, "eps = 0") { try o.set(.eps, 0) }
            expectError(.outOfBounds, "amsgrad = 2") { try o.set(.amsgrad, 2) }
        }
        for algorithm in [Algorithm.adagrad, .rmsprop] {
            expectError(.outOfBounds, "\(algorithm.name) eps = 0") { try Optimizer(algorithm: algorithm).set(.eps, 0) }
        }
        for algorithm in [Algorithm.sgd, .rmsprop] {
            expectError(.outOfBounds, "\(algorithm.name) momentum < 0") { try Optimizer(algorithm: algorithm).set(.momentum, -0.1) }
        }
        expectError(.outOfBounds, "adagrad lr_decay < 0") { try Optimizer(algorithm: .adagrad).set(.lrDecay, -1) }
        expectError(.outOfBounds, "adagrad initial_accumulator_value < 0") {
            try Optimizer(algorithm: .adagrad).set(.initialAccumulatorValue, -1)
        }
        expectError(.outOfBounds, "rmsprop alpha < 0") { try Optimizer(algorithm: .rmsprop).set(.alpha, -0.1) }
        expectError(.outOfBounds, "rmsprop centered = 0.5") { try Optimizer(algorithm: .rmsprop).set(.centered, 0.5) }
    }

    @Test("a hyperparameter the algorithm does not use is unknown")
    func unknownHyperparameter() throws {
        for algorithm in Algorithm.allCases {
            for h in Hyperparameter.allCases where !algorithm.hyperparameters.contains(h) {
                let o = Optimizer(algorithm: algorithm)
                let before = o.groups
                expectError(.unknownHyperparameter, "\(algorithm.name).\(h.name) set") { try o.set(h, 0) }
                expectError(.unknownHyperparameter, "\(algorithm.name).\(h.name) value") { _ = try o.value(h) }
                #expect(o.groups == before)
                #expect(algorithm.spec(h) == nil)
            }
        }
        let o = Optimizer(algorithm: .adam)
        expectError(.indexOutOfRange, "group 1") { try o.set(.lr, 0.1, group: 1) }
        expectError(.indexOutOfRange, "group -1") { _ = try o.value(.lr, group: -1) }
    }

    @Test("nesterov needs momentum > 0 and dampening 0; a failed set changes nothing")
    func nesterov() throws {
        let o = Optimizer(algorithm: .sgd)
        var before = o.groups
        expectError(.incompatibleOptions, "nesterov with momentum 0") { try o.set(.nesterov, 1) }
        #expect(o.groups == before)

        try o.set(.dampening, 0.1)
        try o.set(.momentum, 0.9)
        before = o.groups
        expectError(.incompatibleOptions, "nesterov with dampening 0.1") { try o.set(.nesterov, 1) }
        #expect(o.groups == before)

        try o.set(.dampening, 0)
        try o.set(.nesterov, 1)
        #expect(try o.value(.nesterov) == 1)
        before = o.groups
        expectError(.incompatibleOptions, "dampening under nesterov") { try o.set(.dampening, 0.5) }
        expectError(.incompatibleOptions, "momentum 0 under nesterov") { try o.set(.momentum, 0) }
        #expect(o.groups == before)
        try o.set(.momentum, 0.5)   // still > 0: fine
        try o.set(.nesterov, 0)
        try o.set(.momentum, 0)     // nesterov off: fine
        #expect(try o.value(.momentum) == 0)
    }

    @Test("groups hold their own values")
    func groups() throws {
        let o = Optimizer(algorithm: .adam)
        let g = o.addGroup()
        try o.set(.lr, 0.5, group: g)
        #expect(try o.value(.lr, group: 0) == 1e-3)
        #expect(try o.value(.lr, group: g) == 0.5)
        #expect(o.groups.count == 2)
    }

    @Test("names round-trip and are torch's")
    func names() {
        #expect(Algorithm.allCases.map(\.name) == ["sgd", "adagrad", "rmsprop", "adam", "adamw"])
        for a in Algorithm.allCases {
            #expect(Algorithm(name: a.name) == a)
            #expect(Algorithm(rawValue: a.rawValue) == a)
        }
        #expect(Algorithm(name: "Adam") == .adam)
        #expect(Algorithm(name: "ADAMW") == .adamw)
        #expect(Algorithm(name: "RMSprop") == .rmsprop)
        #expect(Algorithm(name: "lbfgs") == nil)
        #expect(Algorithm(name: "") == nil)
        #expect(Algorithm(name: "adam ") == nil)

        #expect(Hyperparameter.allCases.map(\.name) == [
            "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "lr_decay",
            "initial_accumulator_value", "eps", "alpha", "centered", "beta1", "beta2", "amsgrad",
            "decoupled_weight_decay", "l1", "max_grad_norm", "clip_value", "skip_nonfinite",
        ])
        for h in Hyperparameter.allCases {
            #expect(Hyperparameter(name: h.name) == h)
            #expect(Hyperparameter(rawValue: h.rawValue) == h)
        }
        #expect(Hyperparameter(name: "betas") == nil)
        #expect(Hyperparameter(name: "weightDecay") == nil)

        #expect(StateKind.allCases.map(\.name) == [
            "momentum_buffer", "sum", "square_avg", "grad_avg", "exp_avg", "exp_avg_sq", "max_exp_avg_sq",
        ])
        for k in StateKind.allCases {
            #expect(StateKind(name: k.name) == k)
            #expect(StateKind(rawValue: k.rawValue) == k)
        }
        #expect(StateKind(name: "step") == nil)
        #expect(DType.float32.size == 4 && DType.float64.size == 8)
        #expect(DType.float32.name == "float32" && DType.float64.name == "float64")
    }

    @Test("state kinds per options, in torch's order")
    func stateKinds() throws {
        let cases: [(Settings, [StateKind])] = [
            (Settings(algorithm: .sgd, values: [:]), []),
            (Settings(algorithm: .sgd, values: [.momentum: 0.9]), [.momentumBuffer]),
            (Settings(algorithm: .sgd, values: [.momentum: 0.9, .nesterov: 1]), [.momentumBuffer]),
            (Settings(algorithm: .adagrad, values: [:]), [.sum]),
            (Settings(algorithm: .rmsprop, values: [:]), [.squareAvg]),
            (Settings(algorithm: .rmsprop, values: [.momentum: 0.9]), [.squareAvg, .momentumBuffer]),
            (Settings(algorithm: .rmsprop, values: [.centered: 1]), [.squareAvg, .gradAvg]),
            (Settings(algorithm: .rmsprop, values: [.momentum: 0.9, .centered: 1]), [.squareAvg, .momentumBuffer, .gradAvg]),
            (Settings(algorithm: .adam, values: [:]), [.expAvg, .expAvgSq]),
            (Settings(algorithm: .adam, values: [.amsgrad: 1]), [.expAvg, .expAvgSq, .maxExpAvgSq]),
            (Settings(algorithm: .adamw, values: [:]), [.expAvg, .expAvgSq]),
            (Settings(algorithm: .adamw, values: [.amsgrad: 1]), [.expAvg, .expAvgSq, .maxExpAvgSq]),
        ]
        for (settings, expected) in cases {
            let o = Optimizer(algorithm: settings.algorithm)
            try settings.apply(to: o)
            #expect(try o.stateKinds() == expected, "\(settings.algorithm.name) \(settings.values)")
            #expect(o.groups[0].stateKinds == expected)
            #expect(torchStateKinds(settings) == expected)
        }
    }
}
