#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _SwiftOptSupport

/// The process-wide persistent thread pool that steps use.
///
/// `size` counts the calling thread: a pool of size n has n − 1 workers,
/// started on the first job that needs them. Between jobs a worker spins for
/// up to `spinNanoseconds` watching the job counter (a step that follows
/// soon, as in a training loop, starts without a wake-up latency of tens of
/// microseconds), then parks on a condition variable. A job is a list of items taken in turn by the
/// caller and the workers; the caller returns when every item is done. One
/// job runs at a time: a caller that finds the pool busy (another optimizer
/// stepping on another thread) runs its items itself. Nothing is allocated
/// per job.
final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool(size: defaultSize())

    /// A job: called with the job's context and an item index.
    typealias Body = @convention(c) (UnsafeMutableRawPointer, Int) -> Void

    private(set) var size: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let done = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var threads: [pthread_t] = []
    // Guarded by `mutex`.
    private var busy = false
    private var stopping = false
    /// The job counter: written under `mutex`, read by spinning workers
    /// without it (atomically, see swiftopt_support.h).
    private let generationCell = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    private var generation: Int {
        get { so_atomic_load(generationCell) }
        set { so_atomic_store(generationCell, newValue) }
    }
    /// How long an idle worker spins before it parks.
    static let spinNanoseconds = 200_000
    private var body: Body?
    private var context: UnsafeMutableRawPointer?
    private var itemCount = 0
    private var nextItem = 0
    private var finished = 0
    /// The generation workers started by `startWorkers` wait past.
    private var spawnGeneration = 0

    /// SWIFTOPT_NUM_THREADS when it is an integer in [1, 1024], else the
    /// number of online cores.
    static func defaultSize() -> Int {
        if let raw = getenv("SWIFTOPT_NUM_THREADS"), let n = Int(String(cString: raw)), n >= 1, n <= 1024 {
            return n
        }
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    init(size: Int) {
        self.size = size
        generationCell.initialize(to: 0)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
    }

    /// Stops the workers; the next job that needs them starts `size − 1` new ones.
    func resize(_ newSize: Int) {
        pthread_mutex_lock(mutex)
        while busy { pthread_cond_wait(done, mutex) }
        busy = true   // meanwhile, callers run their items themselves
        stopping = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        for thread in threads { pthread_join(thread, nil) }
        pthread_mutex_lock(mutex)
        threads.removeAll(keepingCapacity: true)
        stopping = false
        size = newSize
        busy = false
        pthread_cond_broadcast(done)
        pthread_mutex_unlock(mutex)
    }

    /// Runs `body(context, i)` for every i in 0..<count, on up to `size`
    /// threads; returns when all are done.
    func run(_ count: Int, _ context: UnsafeMutableRawPointer, _ body: Body) {
        pthread_mutex_lock(mutex)
        if busy || size <= 1 || count <= 1 {
            pthread_mutex_unlock(mutex)
            for i in 0..<count { body(context, i) }
            return
        }
        if threads.count != size - 1 { startWorkers() }
        busy = true
        self.body = body
        self.context = context
        itemCount = count
        nextItem = 0
        finished = 0
        generation &+= 1
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        work(body, context)
        pthread_mutex_lock(mutex)
        while finished < threads.count { pthread_cond_wait(done, mutex) }
        busy = false
        self.body = nil
        self.context = nil
        pthread_cond_broadcast(done)   // wakes a resize waiting for the job
        pthread_mutex_unlock(mutex)
    }

    /// Takes items until none is left.
    private func work(_ body: Body, _ context: UnsafeMutableRawPointer) {
        while true {
            pthread_mutex_lock(mutex)
            let i = nextItem
            nextItem += 1
            pthread_mutex_unlock(mutex)
            if i >= itemCount { return }
            body(context, i)
        }
    }

    /// Called with `mutex` held.
    private func startWorkers() {
        threads.reserveCapacity(size - 1)
        spawnGeneration = generation
        while threads.count < size - 1 {
            var thread = pthread_t()
            let me = Unmanaged.passUnretained(self).toOpaque()
            let status = pthread_create(&thread, nil, { raw in
                Unmanaged<ThreadPool>.fromOpaque(raw!).takeUnretainedValue().workerLoop()
                return nil
            }, me)
            guard status == 0 else { break }   // fewer threads: the caller does the rest
            threads.append(thread)
        }
    }

    /// Spins without the lock while the job counter is `seen`, for at most
    /// `spinNanoseconds`.
    private func spin(while seen: Int) {
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        while generation == seen {
            for _ in 0..<64 { so_spin_pause() }
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsed = (now.tv_sec - start.tv_sec) * 1_000_000_000 + (now.tv_nsec - start.tv_nsec)
            if elapsed > ThreadPool.spinNanoseconds { return }
        }
    }

    private func workerLoop() {
        pthread_mutex_lock(mutex)
        var seen = spawnGeneration
        while true {
            if generation == seen && !stopping {
                pthread_mutex_unlock(mutex)
                spin(while: seen)
                pthread_mutex_lock(mutex)
            }
            while generation == seen && !stopping { pthread_cond_wait(wake, mutex) }
            if stopping { break }
            seen = generation
            let body = self.body!, context = self.context!
            pthread_mutex_unlock(mutex)
            work(body, context)
            pthread_mutex_lock(mutex)
            finished += 1
            if finished == threads.count { pthread_cond_broadcast(done) }
        }
        pthread_mutex_unlock(mutex)
    }
}

/// The tensor updates of one step and the items they are split into for the
/// thread pool, in buffers reused from step to step (they grow only when an
/// optimizer gains parameters or larger tensors).
final class StepWork {
    /// Tensors at least this large are split into chunks of `chunkElements`.
    static let chunkElements = 1 << 18
    /// Below this many elements in all, a step stays on the calling thread.
    static let parallelElements = 1 << 18

    private(set) var updates: UnsafeMutablePointer<so_update>
    private var updateCapacity: Int
    private(set) var count = 0
    /// Items: (update index, start, end).
    private var items: UnsafeMutablePointer<(Int, Int, Int)>
    private var itemCapacity: Int
    /// Per item: the result of `hasNonfinite()`'s check.
    private var flags: UnsafeMutablePointer<Bool>
    private var flagCapacity: Int

    init() {
        updateCapacity = 4
        updates = .allocate(capacity: updateCapacity)
        itemCapacity = 8
        items = .allocate(capacity: itemCapacity)
        flagCapacity = 8
        flags = .allocate(capacity: flagCapacity)
    }

    deinit {
        updates.deallocate()
        items.deallocate()
        flags.deallocate()
    }

    func removeAll() { count = 0 }

    func append(_ update: so_update) {
        if count == updateCapacity {
            let bigger = UnsafeMutablePointer<so_update>.allocate(capacity: updateCapacity * 2)
            bigger.moveInitialize(from: updates, count: count)
            updates.deallocate()
            updates = bigger
            updateCapacity *= 2
        }
        updates[count] = update
        count += 1
    }

    /// Adds a read-only tensor for `hasNonfinite()`: only its gradient is read.
    func appendCheck(_ grad: UnsafeRawPointer, count: Int, dtype: DType) {
        var update = so_update()
        update.grad = grad
        update.count = Int64(count)
        update.is_double = dtype == .float64 ? 1 : 0
        append(update)
    }

    /// Runs every update: on the calling thread when the work is small or the
    /// pool has one thread, else spread over the pool (tensors spread over
    /// threads, large tensors in chunks). The result is the same either way.
    func run() {
        guard let k = splitForPool() else {
            for i in 0..<count { Runtime.runKernel(updates + i, 0, Int(updates[i].count)) }
            return
        }
        ThreadPool.shared.run(k, Unmanaged.passUnretained(self).toOpaque()) { raw, i in
            let work = Unmanaged<StepWork>.fromOpaque(raw).takeUnretainedValue()
            let (u, start, end) = work.items[i]
            Runtime.runKernel(work.updates + u, start, end)
        }
    }

    /// Whether any element of the gradients of the listed tensors is NaN or
    /// ±inf (skip_nonfinite): one read-only pass, spread over the pool like
    /// `run()`. The answer is exact and the same whatever the thread count.
    func hasNonfinite() -> Bool {
        guard let k = splitForPool() else {
            for i in 0..<count where Runtime.runNonfiniteCheck(updates + i, 0, Int(updates[i].count)) {
                return true
            }
            return false
        }
        if k > flagCapacity {
            flags.deallocate()
            flagCapacity = Swift.max(k, flagCapacity * 2)
            flags = .allocate(capacity: flagCapacity)
        }
        ThreadPool.shared.run(k, Unmanaged.passUnretained(self).toOpaque()) { raw, i in
            let work = Unmanaged<StepWork>.fromOpaque(raw).takeUnretainedValue()
            let (u, start, end) = work.items[i]
            work.flags[i] = Runtime.runNonfiniteCheck(work.updates + u, start, end)
        }
        for i in 0..<k where flags[i] { return true }
        return false
    }

    /// Splits the updates into items for the pool and returns their number,
    /// or nil when the work should stay on the calling thread.
    private func splitForPool() -> Int? {
        var total = 0
        for i in 0..<count { total += Int(updates[i].count) }
        if total < StepWork.parallelElements || ThreadPool.shared.size <= 1 || count == 0 {
            return nil
        }
        var itemTotal = 0
        for i in 0..<count {
            itemTotal += (Int(updates[i].count) + StepWork.chunkElements - 1) / StepWork.chunkElements
        }
        if itemTotal > itemCapacity {
            items.deallocate()
            itemCapacity = Swift.max(itemTotal, itemCapacity * 2)
            items = .allocate(capacity: itemCapacity)
        }
        var k = 0
        for i in 0..<count {
            let n = Int(updates[i].count)
            var start = 0
            while start < n {
                let end = Swift.min(n, start + StepWork.chunkElements)
                items[k] = (i, start, end)
                k += 1
                start = end
            }
        }
        return k
    }
}
