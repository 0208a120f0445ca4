#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps deep evaluation from overflowing the thread's stack: the evaluator checks the stack
/// pointer against a floor and stops with `U1001` before the stack runs out; work that ran out
/// on a small stack (a secondary thread's 512 KB) is run again on a thread with a large one.
import RuntimeSupport

enum StackGuard {
    /// Space kept free below the floor for the frames between two checks.
    static let margin: UInt = 192 * 1024
    /// Stack size of the helper thread used for deep work.
    static let deepStackSize = 1 << 29

    /// The lowest address the evaluator may reach on the current thread (0 when unknown),
    /// cached per thread (finding a thread's stack can mean reading /proc/self/maps).
    static func floor() -> UInt {
        let key = floorKey
        if let cached = pthread_getspecific(key) {
            return UInt(bitPattern: cached)
        }
        let value = (lowestAddress() ?? 0) + margin
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: value))
        return value
    }

    private static let floorKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Throws `U1001` when the current thread's stack is nearly used up (for recursive helpers
    /// that walk data of any depth).
    @inline(__always) static func check() throws(ExpressionError) {
        if currentAddress() < floor() { throw ExpressionError.stackExhausted(position: 0) }
    }

    /// The current thread's stack size, when known.
    static func stackSize() -> UInt? {
        guard let low = lowestAddress() else { return nil }
        return currentAddress() - low
    }

    /// Runs `body`; if it ran out of stack on a thread with a small stack, runs it again on a
    /// thread with a large one.
    static func withDeepStack<T>(_ body: () throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        do throws(ExpressionError) {
            return try body()
        } catch {
            guard error.isStackExhaustion, (stackSize() ?? 0) < UInt(deepStackSize / 2) else { throw error }
            return try withoutActuallyEscaping(body) { (escapable) throws(ExpressionError) -> T in
                try runOnDeepStack(escapable)
            }
        }
    }

    private final class Job<T>: JobBase {
        let body: () throws(ExpressionError) -> T
        var result: Result<T, ExpressionError>? = nil
        init(_ body: @escaping () throws(ExpressionError) -> T) { self.body = body }
        override func run() {
            do throws(ExpressionError) {
                result = .success(try body())
            } catch {
                result = .failure(error)
            }
        }
    }

    private static func runOnDeepStack<T>(_ body: @escaping () throws(ExpressionError) -> T) throws(ExpressionError) -> T {
        let job = Job(body)
        let box = Unmanaged<JobBase>.passRetained(job)
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, deepStackSize)
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        #else
        var thread = pthread_t()
        #endif
        let rc = pthread_create(
            &thread, &attr,
            { raw in
                #if canImport(Darwin)
                Unmanaged<JobBase>.fromOpaque(raw).takeRetainedValue().run()
                #else
                Unmanaged<JobBase>.fromOpaque(raw!).takeRetainedValue().run()
                #endif
                return nil
            }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            job.run()
            return try job.result!.get()
        }
        #if canImport(Darwin)
        pthread_join(thread!, nil)
        #else
        pthread_join(thread, nil)
        #endif
        return try job.result!.get()
    }

    /// The lowest usable address of the current thread's stack, or nil when unknown.
    static func lowestAddress() -> UInt? { StackBounds.lowestAddress() }

    /// An address near the top of the caller's frame.
    @inline(__always)
    static func currentAddress() -> UInt { StackBounds.currentAddress() }
}

/// Type-erased job (pthread entry points cannot be generic).
private class JobBase {
    func run() {}
}
