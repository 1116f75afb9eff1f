import NIOConcurrencyHelpers
import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// The TCP sessions that called `alerts.subscribe`, per agency; each fired alert is pushed to
/// them as an `alerts.fired` notification.
///
/// Sessions are held weakly: a connection that closes drops out without unsubscribing.
final class AlertHub: Sendable {
    private struct Subscriber {
        weak var session: Session?
        let client: String?
    }

    private let subscribers = NIOLockedValueBox<[AgencyID: [ObjectIdentifier: Subscriber]]>([:])

    func subscribe(_ session: Session, agency: AgencyID, client: String?) {
        subscribers.withLockedValue { $0[agency, default: [:]][ObjectIdentifier(session)] = Subscriber(session: session, client: client) }
    }

    /// Returns whether the session was subscribed.
    func unsubscribe(_ session: Session, agency: AgencyID) -> Bool {
        subscribers.withLockedValue { $0[agency]?.removeValue(forKey: ObjectIdentifier(session)) != nil }
    }

    func publish(_ alert: StoredAlert, agency: AgencyID) async {
        let sessions = subscribers.withLockedValue { state -> [Session] in
            state[agency] = state[agency]?.filter { $0.value.session != nil }
            return state[agency]?.values.compactMap { subscriber in
                guard subscriber.client == nil || subscriber.client == alert.client else { return nil }
                return subscriber.session
            } ?? []
        }
        for session in sessions {
            await session.push(Notification(method: "alerts.fired", params: .object(["alert": alert.jsonValue])))
        }
    }
}
