import Foundation
import Testing

@testable import Signaling

@Suite struct CredentialProviderChainTests {
    static let noIoT: @Sendable (IoTCredentialConfiguration) -> Result<AWSCredentials, IoTCredentialError> = { _ in
        .failure(.httpStatus(500, message: "should not be called"))
    }

    // MARK: Environment

    @Test func environmentCredentials() {
        #expect(
            AWSEnvironmentCredentials.resolve(environment: [
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envSecret\n", "AWS_SESSION_TOKEN": "",
            ]) == .success(AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "envSecret")))
        #expect(
            AWSEnvironmentCredentials.resolve(environment: [
                "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok",
            ]) == .success(AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "s", sessionToken: "tok")))
        #expect(AWSEnvironmentCredentials.resolve(environment: [:]) == .failure(.environmentNotSet))
        #expect(
            AWSEnvironmentCredentials.resolve(environment: ["AWS_SECRET_ACCESS_KEY": "s", "AWS_ACCESS_KEY_ID": "  "])
                == .failure(.environmentPartial(set: "AWS_SECRET_ACCESS_KEY", missing: "AWS_ACCESS_KEY_ID")))
        #expect(
            CredentialProblem.environmentPartial(set: "AWS_SECRET_ACCESS_KEY", missing: "AWS_ACCESS_KEY_ID").description
                == "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
    }

    // MARK: Shared files

    static let credentialsFile = """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = defaultSecret
        [cam]
        aws_access_key_id = AKIACAM
        aws_secret_access_key = camSecret
        aws_session_token = camToken
        [half]
        aws_access_key_id = AKIAHALF
        """
    static let configFile = """
        [default]
        region = us-west-2
        [profile half]
        aws_secret_access_key = halfSecretFromConfig
        [profile cfg]
        aws_access_key_id = AKIACFG
        aws_secret_access_key = cfgSecret
        [profile role]
        role_arn = arn:aws:iam::123456789012:role/cam
        source_profile = default
        """
    static let files = CredentialFileSystem.inMemory(files: [
        "/home/u/.aws/credentials": credentialsFile, "/home/u/.aws/config": configFile,
    ])

    static func shared(_ environment: [String: String], _ fileSystem: CredentialFileSystem = files)
        -> Result<AWSCredentials, CredentialProblem>
    {
        AWSSharedCredentials.resolve(environment: environment, fileSystem: fileSystem).map(\.0)
    }

    @Test func sharedFileProfiles() {
        let home = ["HOME": "/home/u"]
        #expect(Self.shared(home) == .success(AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "defaultSecret")))
        #expect(
            Self.shared(home.merging(["AWS_PROFILE": "cam"]) { $1 })
                == .success(AWSCredentials(accessKeyID: "AKIACAM", secretAccessKey: "camSecret", sessionToken: "camToken")))
        // Split across the two files; the credentials file is where the profile lives.
        #expect(
            Self.shared(home.merging(["AWS_PROFILE": "half"]) { $1})
                == .success(AWSCredentials(accessKeyID: "AKIAHALF", secretAccessKey: "halfSecretFromConfig")))
        #expect(
            Self.shared(home.merging(["AWS_PROFILE": "cfg"]) { $1})
                == .success(AWSCredentials(accessKeyID: "AKIACFG", secretAccessKey: "cfgSecret")))
        #expect(
            Self.shared(home.merging(["AWS_PROFILE": "role"]) { $1})
                == .failure(.profileIncomplete(profile: "role", path: "/home/u/.aws/config", missing: "aws_access_key_id")))
        #expect(
            Self.shared(home.merging(["AWS_PROFILE": "nope"]) { $1})
                == .failure(.profileNotFound(profile: "nope", paths: ["/home/u/.aws/credentials", "/home/u/.aws/config"])))
        let source = AWSSharedCredentials.resolve(environment: home.merging(["AWS_PROFILE": "cam"]) { $1 }, fileSystem: Self.files)
        #expect((try? source.get().1) == .sharedFile(profile: "cam", path: "/home/u/.aws/credentials"))
    }

    @Test func sharedFileLocations() {
        #expect(Self.shared([:]) == .failure(.homeNotSet))
        #expect(
            Self.shared(["HOME": "/root"])
                == .failure(.sharedFilesMissing(credentialsPath: "/root/.aws/credentials", configPath: "/root/.aws/config")))
        let moved = CredentialFileSystem.inMemory(files: ["/etc/kvs/creds": Self.credentialsFile])
        #expect(
            Self.shared(["AWS_SHARED_CREDENTIALS_FILE": "/etc/kvs/creds", "AWS_CONFIG_FILE": "/etc/kvs/none"], moved)
                == .success(AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "defaultSecret")))
        let tilde = CredentialFileSystem.inMemory(files: ["/home/u/creds": Self.credentialsFile])
        #expect(
            Self.shared(["HOME": "/home/u/", "AWS_SHARED_CREDENTIALS_FILE": "~/creds"], tilde)
                == .success(AWSCredentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "defaultSecret")))
        let unreadable = CredentialFileSystem.inMemory(files: [:], directories: ["/home/u/.aws/credentials"])
        #expect(Self.shared(["HOME": "/home/u"], unreadable) == .failure(.sharedFileUnreadable(path: "/home/u/.aws/credentials")))
    }

    /// The real file system, with temporary files.
    @Test func sharedFilesFromDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aws-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent(".aws"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.credentialsFile.write(
            to: directory.appendingPathComponent(".aws/credentials"), atomically: true, encoding: .utf8)
        let environment = ["HOME": directory.path, "AWS_PROFILE": "cam"]
        #expect(
            Self.shared(environment, .local)
                == .success(AWSCredentials(accessKeyID: "AKIACAM", secretAccessKey: "camSecret", sessionToken: "camToken")))
        #expect(CredentialFileSystem.local.kind(directory.path) == .directory)
        #expect(CredentialFileSystem.local.kind(directory.path + "/missing") == .missing)
        #expect(CredentialFileSystem.local.read(directory.path) == .unreadable)
        #expect(
            Self.shared(["HOME": directory.path, "AWS_PROFILE": "zzz"], .local)
                == .failure(.profileNotFound(profile: "zzz", paths: [directory.path + "/.aws/credentials"])))
    }

    // MARK: IoT configuration

    static let iotEnvironment = [
        "AWS_IOT_CORE_CREDENTIAL_ENDPOINT": "c2abc.credentials.iot.us-west-2.amazonaws.com",
        "AWS_IOT_CORE_CERT": "/certs/cam.pem", "AWS_IOT_CORE_PRIVATE_KEY": "/certs/cam.key",
        "AWS_IOT_CORE_ROLE_ALIAS": "KvsCameraIoTRoleAlias", "AWS_IOT_CORE_THING_NAME": "cam-1",
    ]
    static let iotFiles = CredentialFileSystem.inMemory(
        files: ["/certs/cam.pem": "", "/certs/cam.key": "", "/certs/ca.pem": ""], directories: ["/etc/ssl/certs"])

    @Test func iotConfigurationFromEnvironment() {
        let configuration = IoTCredentialConfiguration.from(environment: Self.iotEnvironment, fileSystem: Self.iotFiles)
        #expect(
            configuration
                == .success(
                    IoTCredentialConfiguration(
                        endpoint: "c2abc.credentials.iot.us-west-2.amazonaws.com", certificatePath: "/certs/cam.pem",
                        privateKeyPath: "/certs/cam.key", roleAlias: "KvsCameraIoTRoleAlias", thingName: "cam-1")))
        var environment = Self.iotEnvironment
        environment["AWS_KVS_CACERT_PATH"] = "/certs/ca.pem"
        #expect(
            (try? IoTCredentialConfiguration.from(environment: environment, fileSystem: Self.iotFiles).get())?.trustAnchors
                == .file("/certs/ca.pem"))
        environment["AWS_KVS_CACERT_PATH"] = "/etc/ssl/certs"
        #expect(
            (try? IoTCredentialConfiguration.from(environment: environment, fileSystem: Self.iotFiles).get())?.trustAnchors
                == .directory("/etc/ssl/certs"))
        environment["AWS_KVS_CACERT_PATH"] = "/nope/ca.pem"
        #expect(
            IoTCredentialConfiguration.from(environment: environment, fileSystem: Self.iotFiles)
                == .failure(.iotFileMissing(variable: "AWS_KVS_CACERT_PATH", path: "/nope/ca.pem")))
        environment = Self.iotEnvironment
        environment["AWS_IOT_CORE_CERT"] = "/certs/other.pem"
        let missing = IoTCredentialConfiguration.from(environment: environment, fileSystem: Self.iotFiles)
        #expect(missing == .failure(.iotFileMissing(variable: "AWS_IOT_CORE_CERT", path: "/certs/other.pem")))
        #expect(
            CredentialProblem.iotFileMissing(variable: "AWS_IOT_CORE_CERT", path: "/certs/other.pem").description
                == "AWS_IOT_CORE_CERT points to a file that does not exist: /certs/other.pem")
        environment = ["AWS_IOT_CORE_THING_NAME": "cam-1", "AWS_IOT_CORE_CERT": "/certs/cam.pem"]
        #expect(
            IoTCredentialConfiguration.from(environment: environment, fileSystem: Self.iotFiles)
                == .failure(
                    .iotVariablesMissing(["AWS_IOT_CORE_CREDENTIAL_ENDPOINT", "AWS_IOT_CORE_PRIVATE_KEY", "AWS_IOT_CORE_ROLE_ALIAS"])))
        #expect(IoTCredentialConfiguration.from(environment: [:], fileSystem: Self.iotFiles) == .failure(.iotNotConfigured))
    }

    // MARK: The chain

    @Test func chainOrderAndWarnings() throws {
        let files = Self.files
        let iotCredentials = AWSCredentials(accessKeyID: "ASIAIOT", secretAccessKey: "iotSecret", sessionToken: "t", expiration: 9)
        let chain = { (environment: [String: String]) in
            CredentialProviderChain(
                environment: environment,
                fileSystem: CredentialFileSystem(
                    kind: { Self.iotFiles.kind($0) == .missing ? files.kind($0) : Self.iotFiles.kind($0) },
                    read: { files.read($0) }),
                fetchIoT: { configuration in
                    configuration.roleAlias == "KvsCameraIoTRoleAlias" ? .success(iotCredentials) : .failure(.forbidden(message: nil))
                })
        }
        let all = Self.iotEnvironment.merging([
            "HOME": "/home/u", "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envSecret",
        ]) { $1 }
        let fromEnvironment = try chain(all).resolve().get()
        #expect(fromEnvironment.source == .environment)
        #expect(fromEnvironment.credentials.accessKeyID == "AKIAENV")

        var environment = all
        environment["AWS_ACCESS_KEY_ID"] = nil
        let fromFile = try chain(environment).resolve().get()
        #expect(fromFile.source == .sharedFile(profile: "default", path: "/home/u/.aws/credentials"))
        #expect(fromFile.warnings == [.environmentPartial(set: "AWS_SECRET_ACCESS_KEY", missing: "AWS_ACCESS_KEY_ID")])

        environment["HOME"] = "/elsewhere"
        let fromIoT = try chain(environment).resolve().get()
        #expect(fromIoT.credentials == iotCredentials)
        #expect(fromIoT.source == .iot(endpoint: "c2abc.credentials.iot.us-west-2.amazonaws.com", roleAlias: "KvsCameraIoTRoleAlias"))
        #expect(fromIoT.iotConfiguration?.thingName == "cam-1")
    }

    @Test func nothingUsableGivesOneErrorNamingEverySource() {
        let environment = [
            "HOME": "/root", "AWS_PROFILE": "cam", "AWS_SECRET_ACCESS_KEY": "topSecretValue",
            "AWS_IOT_CORE_CREDENTIAL_ENDPOINT": "x.credentials.iot.us-west-2.amazonaws.com",
            "AWS_IOT_CORE_CERT": "/certs/missing.pem", "AWS_IOT_CORE_PRIVATE_KEY": "/certs/cam.key",
            "AWS_IOT_CORE_ROLE_ALIAS": "alias",
        ]
        let files = CredentialFileSystem.inMemory(files: ["/root/.aws/credentials": "[default]\n", "/certs/cam.key": ""])
        let result = CredentialProviderChain(environment: environment, fileSystem: files, fetchIoT: Self.noIoT).resolve()
        guard case .failure(let error) = result else {
            Issue.record("expected failure, got \(result)")
            return
        }
        #expect(
            error.description
                == "no usable AWS credentials. Looked at: "
                + "environment (AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not); "
                + "shared files (profile 'cam' not found in /root/.aws/credentials); "
                + "AWS IoT (AWS_IOT_CORE_CERT points to a file that does not exist: /certs/missing.pem)")
        #expect(!error.description.contains("topSecretValue"))
    }

    @Test func iotFetchFailureIsReported() {
        let chain = CredentialProviderChain(
            environment: Self.iotEnvironment, fileSystem: Self.iotFiles,
            fetchIoT: { _ in .failure(.forbidden(message: "Access Denied")) })
        #expect(
            chain.resolve()
                == .failure(
                    CredentialError(problems: [.environmentNotSet, .homeNotSet, .iotFetchFailed(.forbidden(message: "Access Denied"))])))
    }
}
