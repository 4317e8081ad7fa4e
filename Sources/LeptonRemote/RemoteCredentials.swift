import LeptonCore

/// Credentials for the remote cache, from the environment only (never from the Leptonfile, the
/// lock or the package's remote configuration):
///
/// - `LEPTON_REMOTE_TOKEN`: a bearer token (`Authorization: Bearer …`);
/// - `LEPTON_REMOTE_USER` and `LEPTON_REMOTE_PASSWORD`: basic authentication;
/// - otherwise the server's entry in `~/.netrc` (or the file `$NETRC` names), if any.
public struct RemoteCredentials: Sendable, Equatable {
    public var bearerToken: String?
    public var user: String?
    public var password: String?
    public var netrcFile: String?
    public var useNetrc: Bool { bearerToken == nil && user == nil }

    public init(bearerToken: String? = nil, user: String? = nil, password: String? = nil, netrcFile: String? = nil) {
        self.bearerToken = bearerToken
        self.user = user
        self.password = password
        self.netrcFile = netrcFile
    }

    public static func fromEnvironment(_ environment: [String: String]) -> RemoteCredentials {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return RemoteCredentials(
            bearerToken: value("LEPTON_REMOTE_TOKEN"), user: value("LEPTON_REMOTE_USER"),
            password: value("LEPTON_REMOTE_PASSWORD"), netrcFile: value("NETRC"))
    }

    /// How to supply credentials, for 401/403 messages (names what was tried, never a secret).
    public var hint: String {
        if bearerToken != nil { return "check the token in LEPTON_REMOTE_TOKEN" }
        if user != nil { return "check LEPTON_REMOTE_USER and LEPTON_REMOTE_PASSWORD" }
        return
            "set LEPTON_REMOTE_TOKEN (bearer), or LEPTON_REMOTE_USER and LEPTON_REMOTE_PASSWORD (basic), or add the host to \(netrcFile ?? "~/.netrc")"
    }

    func withCStrings<T>(
        _ body: (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> T
    ) -> T {
        let authorization = bearerToken.map { "Authorization: Bearer \($0)" }
        let userPassword = user.map { "\($0):\(password ?? "")" }
        return withOptionalCString(authorization) { authorization in
            withOptionalCString(userPassword) { userPassword in
                withOptionalCString(netrcFile) { netrc in body(authorization, userPassword, netrc) }
            }
        }
    }

    private func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let text else { return body(nil) }
        return text.withCString(body)
    }
}
