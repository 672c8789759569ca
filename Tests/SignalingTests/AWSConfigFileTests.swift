import Testing

@testable import Signaling

@Suite struct AWSConfigFileTests {
    @Test func parsesSectionsCommentsAndWhitespace() {
        let text = """
            # leading comment
            ; another comment
            [default]
            aws_access_key_id = AKIADEFAULT
              AWS_Secret_Access_Key=secret/with+chars==   
            region = us-west-2 # inline comment
            [ cam ]\r
            aws_access_key_id\t=\tAKIACAM\r
            aws_secret_access_key = a#b;c
            s3 =
              max_concurrent_requests = 20
              addressing_style = path
            aws_session_token = tok
            this line is junk
            [broken
            key = value
            [profile  cam]
            region=eu-west-1
            [default]
            output = json
            """
        let file = AWSConfigFile(parsing: text)
        #expect(
            file.sections["default"]
                == [
                    "aws_access_key_id": "AKIADEFAULT", "aws_secret_access_key": "secret/with+chars==",
                    "region": "us-west-2", "output": "json",
                ])
        #expect(
            file.sections["cam"]
                == ["aws_access_key_id": "AKIACAM", "aws_secret_access_key": "a#b;c", "s3": "", "aws_session_token": "tok"])
        #expect(file.configProfile("cam") == ["region": "eu-west-1"])
        #expect(file.configProfile("default")?["output"] == "json")
        #expect(file.credentialsProfile("nope") == nil)
        #expect(file.malformedLines == [14, 15, 16])
    }

    @Test func configProfileNames() {
        #expect(AWSConfigFile.profileName(ofConfigSection: "profile cam") == "cam")
        #expect(AWSConfigFile.profileName(ofConfigSection: "profile\tcam ") == "cam")
        #expect(AWSConfigFile.profileName(ofConfigSection: "profilecam") == nil)
        #expect(AWSConfigFile.profileName(ofConfigSection: "profile ") == nil)
        #expect(AWSConfigFile.profileName(ofConfigSection: "sso-session x") == nil)
        let file = AWSConfigFile(parsing: "[profile default]\naws_access_key_id=A\n")
        #expect(file.configProfile("default") == ["aws_access_key_id": "A"])
    }

    @Test func emptyAndOddInputs() {
        #expect(AWSConfigFile(parsing: "") == AWSConfigFile())
        #expect(AWSConfigFile(parsing: "\u{FEFF}[default]\nk=v").sections == ["default": ["k": "v"]])
        #expect(AWSConfigFile(parsing: "k=v\n").malformedLines == [1])
        #expect(AWSConfigFile(parsing: "[a]\n=v\n").malformedLines == [2])
        #expect(AWSConfigFile(parsing: "[]\nk=v").sections == ["": ["k": "v"]])
    }
}
