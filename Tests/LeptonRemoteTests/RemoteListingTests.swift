import LeptonCore
import Testing

@testable import LeptonRemote

/// What servers answer when asked for a folder's contents.
struct RemoteListingTests {
    private let digest = String(repeating: "ab", count: 32)

    @Test func aWebDAVMultistatusListsItsFilesWithSizesAndTimes() {
        // As Apache mod_dav answers PROPFIND with Depth: 1 (namespace prefixes differ by server).
        let text = """
            <?xml version="1.0" encoding="utf-8"?>
            <D:multistatus xmlns:D="DAV:" xmlns:lp1="DAV:">
            <D:response><D:href>/cache/cas/</D:href><D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop></D:propstat></D:response>
            <D:response><D:href>/cache/cas/\(digest)</D:href><D:propstat><D:prop>
            <lp1:resourcetype/><lp1:getcontentlength>1234</lp1:getcontentlength>
            <lp1:getlastmodified>Tue, 01 Dec 2026 18:00:00 GMT</lp1:getlastmodified></D:prop></D:propstat></D:response>
            <D:response><D:href>/cache/cas/README.txt</D:href><D:propstat><D:prop><lp1:getcontentlength>5</lp1:getcontentlength></D:prop></D:propstat></D:response>
            <response xmlns="DAV:"><href>http://host/cache/cas/\(String(repeating: "cd", count: 32))</href><propstat><prop><getcontentlength> 7 </getcontentlength></prop></propstat></response>
            </D:multistatus>
            """
        let blobs = RemoteListing.multistatus(text)
        #expect(
            blobs == [
                RemoteBlob(key: digest, size: 1234, modified: 1_796_148_000),
                RemoteBlob(key: String(repeating: "cd", count: 32), size: 7, modified: nil),
            ])
    }

    @Test func nginxsJSONAutoindexListsFilesOnly() {
        let text = """
            [{"name":"\(digest)","type":"file","mtime":"Thu, 01 Jan 1970 00:01:40 GMT","size":99},
             {"name":"sub","type":"directory","mtime":"Thu, 01 Jan 1970 00:00:00 GMT"},
             {"name":"\(digest).tmp","type":"file","mtime":"Thu, 01 Jan 1970 00:00:00 GMT","size":1}]
            """
        #expect(RemoteListing.autoindex(Array(text.utf8)) == [RemoteBlob(key: digest, size: 99, modified: 100)])
        #expect(RemoteListing.autoindex(Array("<html>".utf8)) == nil)
    }

    @Test func httpDatesAreSecondsSince1970() {
        #expect(HTTPDate.seconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.seconds("Tue, 29 Feb 2028 12:30:15 GMT") == 1_835_440_215)
        #expect(HTTPDate.seconds("yesterday") == nil)
    }
}
