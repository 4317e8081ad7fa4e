import Dispatch
import Testing
import _LeptonTestSupport

/// The test servers stop when dropped, whatever else was started after them: a server's script
/// stops when its input closes, so no later child may hold that pipe open.
struct TestServerLifetimeTests {
    @Test func aServerStartedLaterDoesNotKeepAnEarlierOneAlive() throws {
        final class Box: @unchecked Sendable { var server: RemoteServer? }
        let first = Box()
        first.server = try RemoteServer()
        let second = try RemoteServer()
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            first.server = nil  // the deinit waits for the script to end
            stopped.signal()
        }
        #expect(stopped.wait(timeout: .now() + 20) == .success, "the first server's script never saw its input close")
        withExtendedLifetime(second) {}
    }
}
