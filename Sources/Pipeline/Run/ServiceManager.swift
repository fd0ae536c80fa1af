import Foundation

/// Starts service steps (`serve`) only when a step that will actually run needs one, and stops
/// each after the last step that could use it has been dealt with (run or found cached).
final class ServiceManager {
    struct Service {
        var step: StepSpec
        var key: String
        var inputs: [ResolvedInput]
        /// Dependents in the plan not yet dealt with.
        var pendingConsumers: Int
        var endpoints: [String: LiveEndpoint]?
        var directory: URL?
        var startedAt: Date?
        var failed = false
    }

    private(set) var services: [String: Service] = [:]
    /// Starts a service; returns its endpoints and the scratch directory it runs in.
    let start: (Service) throws -> (endpoints: [String: LiveEndpoint], directory: URL)
    /// Called after a service has been stopped.
    let stopped: (Service) -> Void

    init(start: @escaping (Service) throws -> (endpoints: [String: LiveEndpoint], directory: URL), stopped: @escaping (Service) -> Void) {
        self.start = start
        self.stopped = stopped
    }

    func register(_ step: StepSpec, key: String, inputs: [ResolvedInput], consumers: Int) {
        services[step.name] = Service(step: step, key: key, inputs: inputs, pendingConsumers: consumers)
    }

    func key(of name: String) -> String? { services[name]?.key }

    /// The URL of `output` of service `name`, starting it if it is not running.
    func endpoint(_ name: String, output: String) throws -> String {
        guard var service = services[name] else { throw StepFailure.message("service \(name) is not part of this run") }
        if service.failed { throw StepFailure.message("service \(name) failed to start") }
        if service.endpoints == nil {
            service.startedAt = Date()
            do {
                let started = try start(service)
                service.endpoints = started.endpoints
                service.directory = started.directory
            } catch {
                service.failed = true
                services[name] = service
                throw error
            }
            services[name] = service
        }
        guard let endpoint = service.endpoints?[output] else { throw StepFailure.message("service \(name) has no endpoint \"\(output)\"") }
        return endpoint.url
    }

    /// A dependent of each of `names` has been dealt with; stops services nobody else needs.
    func consumed(_ names: [String]) {
        for name in Set(names) {
            guard var service = services[name] else { continue }
            service.pendingConsumers -= 1
            services[name] = service
            if service.pendingConsumers <= 0 { stop(name) }
        }
    }

    func stop(_ name: String) {
        guard var service = services[name], let endpoints = service.endpoints else { return }
        for key in endpoints.keys.sorted() { endpoints[key]!.stop() }
        service.endpoints = nil
        services[name] = service
        if let directory = service.directory { Scratch.remove(directory) }
        stopped(service)
    }

    func stopAll() {
        for name in services.keys.sorted() { stop(name) }
    }

    /// Services that were never started (nothing that ran needed them).
    var neverStarted: [Service] { services.keys.sorted().compactMap { services[$0]!.startedAt == nil ? services[$0]! : nil } }
}
