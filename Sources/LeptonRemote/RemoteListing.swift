import LeptonCore
import LeptonSystem

/// Reads a server's listing of a namespace folder: a WebDAV `PROPFIND` multistatus (Apache
/// mod_dav, nginx's dav-ext module, rclone, …) or nginx's `autoindex_format json`. Only names
/// that are SHA-256 digests count, so nothing else on the server is ever taken for a blob.
enum RemoteListing {
    /// The blobs a `207 Multi-Status` answer lists (the folder itself and sub-folders left out).
    static func multistatus(_ text: String) -> [RemoteBlob] {
        let plain = withoutNamespacePrefixes(text)
        var blobs: [RemoteBlob] = []
        for response in elements("response", in: plain) {
            guard !response.contains("<collection"), let href = elements("href", in: response).first else { continue }
            let name = percentDecoded(String(href.split(separator: "/").last ?? ""))
            guard isDigest(name) else { continue }
            let size = elements("getcontentlength", in: response).first.flatMap { Int64(trimmed($0)) } ?? 0
            let modified = elements("getlastmodified", in: response).first.flatMap { HTTPDate.seconds(trimmed($0)) }
            blobs.append(RemoteBlob(key: name, size: size, modified: modified))
        }
        return blobs
    }

    /// The files nginx's JSON autoindex lists: `[{"name", "type", "mtime", "size"}]`; nil when
    /// the text is not such a listing.
    static func autoindex(_ bytes: [UInt8]) -> [RemoteBlob]? {
        guard let items = (try? JSON.parse(bytes))?.arrayValue else { return nil }
        return items.compactMap { item in
            guard let name = item["name"]?.stringValue, item["type"]?.stringValue == "file", isDigest(name) else {
                return nil
            }
            let size = item["size"]?.doubleValue.map { Int64($0) } ?? 0
            return RemoteBlob(key: name, size: size, modified: item["mtime"]?.stringValue.flatMap(HTTPDate.seconds))
        }
    }

    /// 64 lowercase hexadecimal digits.
    static func isDigest(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `<D:href>` → `<href>`, `</lp1:getlastmodified>` → `</getlastmodified>`.
    private static func withoutNamespacePrefixes(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            out += "<"
            rest = rest[rest.index(after: open)...]
            if rest.first == "/" {
                out += "/"
                rest = rest.dropFirst()
            }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
            if rest.dropFirst(name.count).first == ":" { rest = rest.dropFirst(name.count + 1) }
        }
        return out + rest
    }

    /// The contents of every `<name …>…</name>` element, in order.
    private static func elements(_ name: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let start = rest.firstRange(of: "<\(name)") {
            let afterName = rest[start.upperBound...]
            guard let first = afterName.first, first == ">" || first == " " || first == "/",
                let close = afterName.firstIndex(of: ">")
            else {
                rest = afterName
                continue
            }
            if afterName[..<close].hasSuffix("/") {
                found.append("")
                rest = afterName[afterName.index(after: close)...]
                continue
            }
            let body = afterName[afterName.index(after: close)...]
            guard let end = body.firstRange(of: "</\(name)>") else { break }
            found.append(String(body[..<end.lowerBound]))
            rest = body[end.upperBound...]
        }
        return found
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    private static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// HTTP dates (`Tue, 01 Dec 2026 18:00:00 GMT`, RFC 9110's IMF-fixdate) as seconds since 1970.
enum HTTPDate {
    static func seconds(_ text: String) -> Int? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        // Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm).
        let month = monthIndex + 1
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + clock[0] * 3_600 + clock[1] * 60 + clock[2]
    }
}
