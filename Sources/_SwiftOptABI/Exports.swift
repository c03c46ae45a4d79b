import CSwiftOpt
import SwiftOpt

// The C entry points declared in include/swiftopt.h. Each one only checks its
// arguments, translates them to Swift values, calls the core, and returns a
// status. `@c @implementation` makes the compiler check every signature
// against the header.

// MARK: Version and status

@c @implementation
public func swiftopt_version_number() -> UInt32 {
    UInt32(Version.number)
}

@c @implementation
public func swiftopt_version_string() -> UnsafePointer<CChar>? {
    versionString[0]
}

@c @implementation
public func swiftopt_status_name(_ status: Int32) -> UnsafePointer<CChar>? {
    let name: StaticString = status >= 0 && Int(status) < statusNames.count
        ? statusNames[Int(status)] : "SWIFTOPT_UNKNOWN_STATUS"
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func swiftopt_last_error_message(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> Int {
    copyLastMessage(buffer, capacity)
}

// MARK: Names and introspection

@c @implementation
public func swiftopt_algorithm_name(_ algorithm: Int32) -> UnsafePointer<CChar>? {
    algorithmNames[algorithm]
}

@c @implementation
public func swiftopt_algorithm_from_name(_ name: UnsafePointer<CChar>?,
                                         _ outAlgorithm: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_algorithm_from_name") {
        try Algorithm.lookup(name, into: outAlgorithm, "out_algorithm")
    }
}

@c @implementation
public func swiftopt_hyperparameter_name(_ hyperparameter: Int32) -> UnsafePointer<CChar>? {
    hyperparameterNames[hyperparameter]
}

@c @implementation
public func swiftopt_hyperparameter_from_name(_ name: UnsafePointer<CChar>?,
                                              _ outHyperparameter: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_hyperparameter_from_name") {
        try Hyperparameter.lookup(name, into: outHyperparameter, "out_hyperparameter")
    }
}

@c @implementation
public func swiftopt_state_name(_ state: Int32) -> UnsafePointer<CChar>? {
    stateNames[state]
}

@c @implementation
public func swiftopt_algorithm_hyperparameters(_ algorithmCode: Int32,
                                               _ outHyperparameters: UnsafeMutablePointer<Int32>?,
                                               _ capacity: Int64,
                                               _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_algorithm_hyperparameters") {
        let algo = try Algorithm.decode(algorithmCode)
        try writeList(algo.hyperparameters.map(\.rawValue), outHyperparameters, capacity, outCount)
    }
}

@c @implementation
public func swiftopt_algorithm_hyperparameter_info(_ algorithmCode: Int32, _ hyperparameterCode: Int32,
                                                   _ outDefault: UnsafeMutablePointer<Double>?,
                                                   _ outMin: UnsafeMutablePointer<Double>?,
                                                   _ outMax: UnsafeMutablePointer<Double>?,
                                                   _ outFlags: UnsafeMutablePointer<UInt32>?) -> Int32 {
    guarded("swiftopt_algorithm_hyperparameter_info") {
        let algo = try Algorithm.decode(algorithmCode)
        let hp = try Hyperparameter.decode(hyperparameterCode)
        guard let spec = algo.spec(hp) else {
            throw ABIError(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER, "\(algo.name) has no hyperparameter \(hp.name)")
        }
        outDefault?.pointee = spec.defaultValue
        outMin?.pointee = spec.lowerBound
        outMax?.pointee = spec.upperBound
        var flags: UInt32 = 0
        if spec.isBoolean { flags |= UInt32(SWIFTOPT_HP_FLAG_BOOLEAN) }
        if spec.lowerExclusive { flags |= UInt32(SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE) }
        if spec.upperExclusive { flags |= UInt32(SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE) }
        outFlags?.pointee = flags
    }
}

// MARK: Optimizer lifetime and groups

@c @implementation
public func swiftopt_optimizer_create(_ algorithmCode: Int32,
                                      _ outOptimizer: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("swiftopt_optimizer_create") {
        let out = try required(outOptimizer, "out_optimizer")
        let algo = try Algorithm.decode(algorithmCode)
        out.pointee = HandleTable.shared.insert(OptimizerBox(Optimizer(algorithm: algo)))
    }
}

@c @implementation
public func swiftopt_optimizer_free(_ optimizer: OpaquePointer?) -> Int32 {
    guarded("swiftopt_optimizer_free") {
        guard let optimizer else { return }
        guard let box = HandleTable.shared.remove(optimizer, as: OptimizerBox.self) else {
            throw ABIError(SWIFTOPT_ERROR_INVALID_HANDLE, "optimizer handle is invalid (already freed, or never created)")
        }
        // Wait for a call in flight on another thread; the object is released
        // when the last reference goes.
        box.lock.withLock {}
    }
}

@c @implementation
public func swiftopt_optimizer_algorithm(_ optimizer: OpaquePointer?,
                                         _ outAlgorithm: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_optimizer_algorithm") {
        try withOptimizer(optimizer) { opt in
            try required(outAlgorithm, "out_algorithm").pointee = opt.algorithm.rawValue
        }
    }
}

@c @implementation
public func swiftopt_optimizer_add_group(_ optimizer: OpaquePointer?,
                                         _ outGroup: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_add_group") {
        try withOptimizer(optimizer) { opt in
            // Not `outGroup?.pointee = opt.addGroup()`: optional chaining would
            // skip the call when out_group is NULL.
            let index = opt.addGroup()
            outGroup?.pointee = Int64(index)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_group_count(_ optimizer: OpaquePointer?,
                                           _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_group_count") {
        try withOptimizer(optimizer) { opt in
            try required(outCount, "out_count").pointee = Int64(opt.groups.count)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_set_hyperparameter(_ optimizer: OpaquePointer?, _ group: Int64,
                                                  _ hyperparameterCode: Int32, _ value: Double) -> Int32 {
    guarded("swiftopt_optimizer_set_hyperparameter") {
        try withOptimizer(optimizer) { opt in
            try opt.set(try Hyperparameter.decode(hyperparameterCode), value, group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_get_hyperparameter(_ optimizer: OpaquePointer?, _ group: Int64,
                                                  _ hyperparameterCode: Int32,
                                                  _ outValue: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_optimizer_get_hyperparameter") {
        try withOptimizer(optimizer) { opt in
            let out = try required(outValue, "out_value")
            out.pointee = try opt.value(try Hyperparameter.decode(hyperparameterCode), group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_state_kinds(_ optimizer: OpaquePointer?, _ group: Int64,
                                           _ outStates: UnsafeMutablePointer<Int32>?, _ capacity: Int64,
                                           _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_state_kinds") {
        try withOptimizer(optimizer) { opt in
            try writeList(try opt.stateKinds(group: int(group)).map(\.rawValue), outStates, capacity, outCount)
        }
    }
}

// MARK: Library-owned state

@c @implementation
public func swiftopt_optimizer_add_param(_ optimizer: OpaquePointer?, _ group: Int64, _ dtypeCode: Int32,
                                         _ data: UnsafeMutableRawPointer?, _ count: Int64,
                                         _ outParam: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_add_param") {
        try withOptimizer(optimizer) { opt in
            guard let data else { throw ABIError.null("data") }
            let type = try DType.decode(dtypeCode)
            let index = try opt.addParam(data, count: int(count), dtype: type, group: int(group))
            outParam?.pointee = Int64(index)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_param_count(_ optimizer: OpaquePointer?,
                                           _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_param_count") {
        try withOptimizer(optimizer) { opt in
            try required(outCount, "out_count").pointee = Int64(opt.paramCount)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_param_info(_ optimizer: OpaquePointer?, _ param: Int64,
                                          _ outGroup: UnsafeMutablePointer<Int64>?,
                                          _ outDtype: UnsafeMutablePointer<Int32>?,
                                          _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_param_info") {
        try withOptimizer(optimizer) { opt in
            let info = try opt.paramInfo(int(param))
            outGroup?.pointee = Int64(info.group)
            outDtype?.pointee = info.dtype.rawValue
            outCount?.pointee = Int64(info.count)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_step(_ optimizer: OpaquePointer?, _ grads: UnsafePointer<UnsafeRawPointer?>?,
                                    _ nGrads: Int64) -> Int32 {
    guarded("swiftopt_optimizer_step") {
        try withOptimizer(optimizer) { opt in
            guard let grads else { throw ABIError.null("grads") }
            guard nGrads >= 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "n_grads must be >= 0, got \(nGrads)")
            }
            try opt.step(grads: UnsafeBufferPointer(start: grads, count: int(nGrads)))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_get_state(_ optimizer: OpaquePointer?, _ param: Int64, _ state: Int32,
                                         _ out: UnsafeMutableRawPointer?, _ count: Int64) -> Int32 {
    guarded("swiftopt_optimizer_get_state") {
        try withOptimizer(optimizer) { opt in
            guard let out else { throw ABIError.null("out") }
            try opt.getState(try StateKind.decode(state), param: int(param), into: out, count: int(count))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_set_state(_ optimizer: OpaquePointer?, _ param: Int64, _ state: Int32,
                                         _ values: UnsafeRawPointer?, _ count: Int64) -> Int32 {
    guarded("swiftopt_optimizer_set_state") {
        try withOptimizer(optimizer) { opt in
            guard let values else { throw ABIError.null("values") }
            try opt.setState(try StateKind.decode(state), param: int(param), from: values, count: int(count))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_get_step(_ optimizer: OpaquePointer?, _ param: Int64,
                                        _ outStep: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_get_step") {
        try withOptimizer(optimizer) { opt in
            let out = try required(outStep, "out_step")
            out.pointee = try opt.stepCount(param: int(param))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_set_step(_ optimizer: OpaquePointer?, _ param: Int64, _ step: Int64) -> Int32 {
    guarded("swiftopt_optimizer_set_step") {
        try withOptimizer(optimizer) { opt in
            try opt.setStepCount(step, param: int(param))
        }
    }
}

// MARK: Caller-owned state

@c @implementation
public func swiftopt_optimizer_step_tensors(_ optimizer: OpaquePointer?, _ group: Int64, _ dtypeCode: Int32,
                                            _ nTensors: Int64,
                                            _ params: UnsafePointer<UnsafeMutableRawPointer?>?,
                                            _ grads: UnsafePointer<UnsafeRawPointer?>?,
                                            _ counts: UnsafePointer<Int64>?,
                                            _ states: UnsafePointer<UnsafeMutableRawPointer?>?,
                                            _ statesPerTensor: Int64,
                                            _ steps: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_step_tensors") {
        try withOptimizer(optimizer) { opt in
            let type = try DType.decode(dtypeCode)
            guard nTensors > 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "n_tensors must be > 0, got \(nTensors)")
            }
            guard statesPerTensor >= 0, statesPerTensor <= 64 else {
                throw ABIError(SWIFTOPT_ERROR_SIZE_MISMATCH, "states_per_tensor \(statesPerTensor) is out of range")
            }
            guard let params else { throw ABIError.null("params") }
            guard let grads else { throw ABIError.null("grads") }
            guard let counts else { throw ABIError.null("counts") }
            guard let steps else { throw ABIError.null("steps") }
            guard statesPerTensor == 0 || states != nil else { throw ABIError.null("states") }
            let n = int(nTensors)
            let (stateCount, overflow) = n.multipliedReportingOverflow(by: int(statesPerTensor))
            guard !overflow else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "n_tensors \(nTensors) is too large")
            }
            try opt.stepTensors(
                group: int(group), dtype: type,
                params: UnsafeBufferPointer(start: params, count: n),
                grads: UnsafeBufferPointer(start: grads, count: n),
                counts: UnsafeBufferPointer(start: counts, count: n),
                states: UnsafeBufferPointer(start: states, count: stateCount),
                statesPerTensor: int(statesPerTensor),
                steps: UnsafeMutableBufferPointer(start: steps, count: n))
        }
    }
}
