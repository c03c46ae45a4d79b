import Testing
import SwiftOpt

/// Runs `body` and checks that it throws an `OptimizerError` of `kind`.
func expectError(_ kind: OptimizerError.Kind, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("\(what): expected error \(kind), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as OptimizerError {
        #expect(error.kind == kind, "\(what): expected \(kind), got \(error.kind): \(error.message)",
                sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, "\(what): empty message", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Caller buffers that outlive an optimizer holding pointers to them.
final class Buffer<T: TestScalar> {
    let pointer: UnsafeMutableBufferPointer<T>

    init(_ values: [T]) {
        pointer = .allocate(capacity: values.count)
        _ = pointer.initialize(from: values)
    }

    deinit { pointer.deallocate() }

    var raw: UnsafeMutableRawPointer { UnsafeMutableRawPointer(pointer.baseAddress!) }
    var count: Int { pointer.count }
    var values: [T] { Array(pointer) }
}

/// An optimizer with registered fp parameters, plus snapshots of everything
/// it holds (to check that a failed call changed nothing).
final class Fixture<T: TestScalar> {
    let optimizer: Optimizer
    let params: [Buffer<T>]

    init(_ settings: Settings, _ initial: [[T]]) throws {
        optimizer = Optimizer(algorithm: settings.algorithm)
        try settings.apply(to: optimizer)
        params = initial.map { Buffer($0) }
        for p in params { try optimizer.addParam(p.raw, count: p.count, dtype: T.dtype) }
    }

    /// One step with gradients `grads` (nil skips that parameter).
    func step(_ grads: [[T]?]) throws {
        let buffers = grads.map { $0.map { Buffer($0) } }
        try optimizer.step(grads: buffers.map { $0.map { UnsafeRawPointer($0.raw) } })
    }

    struct Snapshot: Equatable {
        var params: [[T]]
        var states: [[StateKind: [T]]]
        var steps: [Int64]
        var groups: [ParamGroup]
    }

    func snapshot() throws -> Snapshot {
        var states: [[StateKind: [T]]] = []
        for (i, p) in params.enumerated() {
            var s: [StateKind: [T]] = [:]
            for kind in try optimizer.stateKinds(group: optimizer.paramInfo(i).group) {
                var out = [T](repeating: 0, count: p.count)
                try out.withUnsafeMutableBytes { try optimizer.getState(kind, param: i, into: $0.baseAddress!, count: p.count) }
                s[kind] = out
            }
            states.append(s)
        }
        return Snapshot(params: params.map(\.values), states: states,
                        steps: try params.indices.map { try optimizer.stepCount(param: $0) },
                        groups: optimizer.groups)
    }
}
