import Foundation
import JSON
import SQLite
import Testing
@testable import Node
@testable import Replica

/// What `status` shows of a link that works but has nothing to move (issue 14): the time of the
/// last successful exchange, on both ends, without idle rounds writing to the file every time.
@Suite("Link status of idle links")
struct LinkStatusTests {
    static let child = "150603", parent = "150600"

    func link(_ r: Replica, _ node: String) throws -> LinkState {
        try #require(try r.linkStates().first { $0.node == node })
    }

    @Test("a round that moves nothing records its success on both ends; the status report shows it")
    func idleRoundIsRecorded() throws {
        let t = try Tree([Self.parent, Self.child])
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let report = try t.sync(Self.child)
        #expect(report.pushed == 0 && report.pulled == 0)
        let up = try link(t[Self.child], Self.parent)
        #expect(up.lastPushMilliseconds.map { $0 >= before } == true)
        #expect(up.lastPullMilliseconds.map { $0 >= before } == true)
        #expect(up.lastSeenMilliseconds.map { $0 >= before } == true)
        #expect(up.lastError == nil)
        let down = try link(t[Self.parent], Self.child)
        #expect(down.lastSeenMilliseconds.map { $0 >= before } == true)
        #expect(down.lastPullMilliseconds.map { $0 >= before } == true)

        let status = try StatusReport.make(t[Self.child])
        let parentLink = try #require(status["links"]?.arrayValue?.first { $0["role"]?.stringValue == "parent" })
        #expect(parentLink["last_push"]?.stringValue != nil && parentLink["last_pull"]?.stringValue != nil)
        let childLink = try #require(try StatusReport.make(t[Self.parent])["links"]?.arrayValue?.first { $0["role"]?.stringValue == "child" })
        #expect(childLink["last_seen"]?.stringValue != nil)
    }

    @Test("an idle success within a minute of the last one writes nothing (the agent's file watcher stays asleep); after a minute it refreshes")
    func idleSuccessWritesAtMostOncePerMinute() throws {
        let t = try Tree([Self.parent, Self.child])
        try t.sync(Self.child)
        let child = t[Self.child]
        let first = try link(child, Self.parent).lastPullMilliseconds!
        let watcher = try Database(path: t.path(Self.child))
        let version = try watcher.scalarInt("PRAGMA data_version")
        try child.noteLink(Self.parent, push: 0, pull: 0, at: first + 1_000)
        try child.noteLink(Self.parent, push: 0, pull: 0, at: first + Replica.idleLinkRefreshMilliseconds - 1)
        #expect(try watcher.scalarInt("PRAGMA data_version") == version, "an idle success within the minute must not write")
        #expect(try link(child, Self.parent).lastPullMilliseconds == first)

        let later = first + Replica.idleLinkRefreshMilliseconds + 1
        try child.noteLink(Self.parent, push: 0, pull: 0, at: later)
        #expect(try watcher.scalarInt("PRAGMA data_version") != version)
        #expect(try link(child, Self.parent).lastPullMilliseconds == later)
        #expect(try link(child, Self.parent).lastPushMilliseconds == later)
        #expect(try link(child, Self.parent).lastSeenMilliseconds == later)
        // A direction not exchanged keeps its time.
        try child.noteLink(Self.parent, push: nil, pull: 0, at: later + Replica.idleLinkRefreshMilliseconds + 1)
        #expect(try link(child, Self.parent).lastPushMilliseconds == later)
    }

    @Test("an idle success right after a failure clears the error at once")
    func recoveryClearsTheError() throws {
        let t = try Tree([Self.parent, Self.child])
        try t.sync(Self.child)
        try t[Self.child].noteLink(Self.parent, error: "connection refused", at: Int64(Date().timeIntervalSince1970 * 1000))
        #expect(try link(t[Self.child], Self.parent).lastError == "connection refused")
        try t.sync(Self.child)
        #expect(try link(t[Self.child], Self.parent).lastError == nil)
    }
}
