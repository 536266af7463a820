//! Acceptance tests: invalid configurations fail at `terraform plan`, on the attribute (and HCL line)
//! that breaks the rule, with no request sent to the API.

use nac_testkit::terraform::Harness;

const VALID: &str = r#"
resource "nac_qod_session" "bad" {
  profile      = "DOWNLINK_L_UPLINK_L"
  service_ipv4 = "233.252.0.9"
  duration     = 3600
  device {
    network_access_identifier = "device@testcsp.net"
    ipv4_address {
      public_address  = "233.252.0.2"
      private_address = "192.0.2.25"
    }
  }
  service_ports {
    ports  = [8080]
    ranges = [{ start = 80, end = 443 }]
  }
  sink = "https://example.com/notify"
  sink_credential {
    access_token            = "t"
    access_token_expires_at = "2030-01-01T00:00:00Z"
  }
}
"#;

struct Case {
    /// Replace this text of `VALID`…
    find: &'static str,
    /// …by this.
    replace: &'static str,
    /// Terraform's error summary (names the attribute).
    summary: &'static str,
    /// Part of the message that says what is allowed.
    message: &'static str,
    /// The error points at the line of `main.tf` that is this text (trimmed), or else holds it.
    line_of: &'static str,
}

const CASES: &[Case] = &[
    // A well-formed unknown profile is judged at plan against the network's list, which takes a
    // request: provider_qos_profiles.rs.
    Case {
        find: r#""DOWNLINK_L_UPLINK_L""#,
        replace: r#""qos l""#,
        summary: "Invalid profile",
        message: "3 to 256 characters",
        line_of: "qos l",
    },
    Case {
        find: r#""233.252.0.9""#,
        replace: r#""10.0.0.0/33""#,
        summary: "Invalid service_ipv4",
        message: "not an IPv4 address or CIDR block",
        line_of: "10.0.0.0/33",
    },
    Case {
        find: r#"service_ipv4 = "233.252.0.9""#,
        replace: r#"service_ipv6 = "2001:db8::g""#,
        summary: "Invalid service_ipv6",
        message: "not an IPv6 address or CIDR block",
        line_of: "2001:db8::g",
    },
    Case {
        find: r#"service_ipv4 = "233.252.0.9""#,
        replace: "",
        summary: "Invalid service_ipv4",
        message: "at least one of service_ipv4 and service_ipv6",
        line_of: r#"resource "nac_qod_session" "bad""#,
    },
    Case {
        find: "duration     = 3600",
        replace: "duration     = 0",
        summary: "Invalid duration",
        message: "1 to 86400 seconds",
        line_of: "duration     = 0",
    },
    Case {
        find: "duration     = 3600",
        replace: "duration     = 86401",
        summary: "Invalid duration",
        message: "1 to 86400 seconds",
        line_of: "86401",
    },
    Case {
        find: "duration     = 3600",
        replace: "duration     = 60.5",
        summary: "Invalid duration",
        message: "60.5 is not a whole number",
        line_of: "60.5",
    },
    Case {
        find: r#"network_access_identifier = "device@testcsp.net""#,
        replace: r#"phone_number = "+36 72 160 1234""#,
        summary: "Invalid device.phone_number",
        message: "5 to 15 digits",
        line_of: "+36 72 160 1234",
    },
    Case {
        find: r#"network_access_identifier = "device@testcsp.net""#,
        replace: r#"network_access_identifier = "nobody""#,
        summary: "Invalid device.network_access_identifier",
        message: "user@realm",
        line_of: r#""nobody""#,
    },
    Case {
        find: r#"network_access_identifier = "device@testcsp.net""#,
        replace: r#"ipv6_address = "2001:db8::/64""#,
        summary: "Invalid device.ipv6_address",
        message: "not an IPv6 address",
        line_of: "2001:db8::/64",
    },
    Case {
        find: r#"private_address = "192.0.2.25""#,
        replace: "",
        summary: "Invalid device.ipv4_address[0]",
        message: "cannot identify a device behind NAT: give private_address",
        line_of: "ipv4_address {",
    },
    Case {
        find: r#"private_address = "192.0.2.25""#,
        replace: "public_port = 70000",
        summary: "Invalid device.ipv4_address[0].public_port",
        message: "0 to 65535",
        line_of: "public_port = 70000",
    },
    Case {
        find: r#"public_address  = "233.252.0.2""#,
        replace: r#"public_address  = "233.252.0""#,
        summary: "Invalid device.ipv4_address[0].public_address",
        message: "not an IPv4 address",
        line_of: r#""233.252.0""#,
    },
    Case {
        find: "ports  = [8080]",
        replace: "ports  = [8080, 70000]",
        summary: "Invalid service_ports[0].ports[1]",
        message: "0 to 65535",
        line_of: "70000",
    },
    Case {
        find: "{ start = 80, end = 443 }",
        replace: "{ start = 443, end = 80 }",
        summary: "Invalid service_ports[0].ranges[0]",
        message: "start must not exceed end",
        line_of: "start = 443",
    },
    Case {
        find: "ports  = [8080]\n    ranges = [{ start = 80, end = 443 }]",
        replace: "",
        summary: "Invalid service_ports[0]",
        message: "at least one port or port range",
        line_of: "service_ports {",
    },
    Case {
        find: r#""https://example.com/notify""#,
        replace: r#""http://example.com/notify""#,
        summary: "Invalid sink",
        message: "https",
        line_of: "http://example.com/notify",
    },
    Case {
        find: r#"sink = "https://example.com/notify""#,
        replace: "",
        summary: "Invalid sink_credential[0]",
        message: "only allowed together with sink",
        line_of: r#"access_token            = "t""#,
    },
    Case {
        find: r#""2030-01-01T00:00:00Z""#,
        replace: r#""next year""#,
        summary: "Invalid sink_credential[0].access_token_expires_at",
        message: "RFC 3339",
        line_of: "next year",
    },
    Case {
        find: r#"network_access_identifier = "device@testcsp.net"
    ipv4_address {
      public_address  = "233.252.0.2"
      private_address = "192.0.2.25"
    }"#,
        replace: "",
        summary: "Invalid device",
        message: "at least one device identifier is required",
        line_of: "device {",
    },
    Case {
        find: "  sink = ",
        replace: "  timeouts { create = \"5 minutes\" }\n  sink = ",
        summary: "Invalid timeouts[0].create",
        message: "not a duration",
        line_of: "5 minutes",
    },
    // Terraform's own checks of the schema: exactly one device block.
    Case {
        find: "  device {",
        replace: "  device { phone_number = \"+3612345678\" }\n  device {",
        summary: "Duplicate device block",
        message: "",
        line_of: "device {",
    },
];

/// Terraform wraps messages at 78 columns: compare with whitespace collapsed.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn invalid_configurations_fail_at_plan_on_their_attribute_without_a_request() {
    let tf = Harness::start();
    tf.write_config(VALID);
    let ok = tf.plan();
    assert!(
        ok.success(),
        "the base configuration is valid:\n{}",
        ok.output()
    );
    let baseline = tf.request_count();

    let mut failures = Vec::new();
    for case in CASES {
        assert!(VALID.contains(case.find), "{}", case.find);
        tf.write_config(&VALID.replacen(case.find, case.replace, 1));
        let plan = tf.plan();
        let output = plan.output();
        let line = tf.line_of(case.line_of);
        let at_line = format!("on main.tf line {line}");
        let ok = !plan.success()
            && output.contains(&format!("Error: {}", case.summary))
            && flat(&output).contains(&flat(case.message))
            && output.contains(&at_line);
        if !ok {
            failures.push(format!(
                "{} (expected {:?}, {:?}, {at_line:?}):\n{output}",
                case.summary, case.summary, case.message
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n----\n")
    );
    assert_eq!(tf.request_count(), baseline, "no request reached the API");
}

#[test]
fn data_source_and_provider_settings_are_validated_too() {
    let tf = Harness::start();
    let cases: &[(&str, &str, &str)] = &[
        (
            "data \"nac_device_sessions\" \"d\" {\n  device { phone_number = \"36-72\" }\n}\n",
            "Invalid device.phone_number",
            "36-72",
        ),
        (
            "data \"nac_device_sessions\" \"d\" {\n  device {}\n}\n",
            "Invalid device",
            "device {}",
        ),
    ];
    for (body, summary, line_of) in cases {
        tf.write_config(body);
        let plan = tf.plan();
        let output = plan.output();
        assert!(!plan.success(), "{output}");
        assert!(output.contains(&format!("Error: {summary}")), "{output}");
        assert!(
            output.contains(&format!("on main.tf line {}", tf.line_of(line_of))),
            "{output}"
        );
    }

    // Provider settings: the provider block is written by hand here.
    for (setting, summary) in [
        (r#"environment = "qa""#, "Invalid environment"),
        (r#"request_timeout = "thirty""#, "Invalid request_timeout"),
    ] {
        tf.write_file(
            "main.tf",
            &format!(
                "provider \"nac\" {{\n  base_url = \"{}\"\n  {setting}\n}}\n{}",
                tf.base_url(),
                nac_testkit::terraform::session_hcl("a", "x@testcsp.net", "")
            )
            .replace("provider \"nac\"", "terraform {\n  required_providers {\n    nac = { source = \"network-as-code/nac\" }\n  }\n}\nprovider \"nac\""),
        );
        let plan = tf.plan();
        let output = plan.output();
        assert!(!plan.success(), "{output}");
        assert!(output.contains(&format!("Error: {summary}")), "{output}");
        assert!(
            output.contains(&format!("on main.tf line {}", tf.line_of(setting))),
            "{output}"
        );
    }

    // No token in the provider block and none in the environment.
    let mut tf = tf;
    tf.env.push(("NAC_TOKEN".into(), String::new()));
    tf.write_config(&nac_testkit::terraform::session_hcl(
        "a",
        "x@testcsp.net",
        "",
    ));
    let plan = tf.plan();
    assert!(!plan.success());
    assert!(
        plan.output().contains("Error: Invalid token"),
        "{}",
        plan.output()
    );
    assert!(plan.output().contains("NAC_TOKEN"), "{}", plan.output());
    assert_eq!(tf.request_count(), 0);
}

#[test]
fn a_value_known_only_at_apply_is_checked_before_anything_is_sent() {
    let tf = Harness::start();
    // Not even the credentials check (its own test is provider_other_credentials).
    let provider = tf.provider_hcl().replacen(
        "provider \"nac\" {\n",
        "provider \"nac\" {\n  skip_credentials_validation = true\n",
        1,
    );
    tf.write_file(
        "main.tf",
        &(provider
            + r#"
resource "terraform_data" "address" {
  input = "10.0.0.0/33"
}

resource "nac_qod_session" "late" {
  profile      = "QOS_L"
  service_ipv4 = terraform_data.address.output
  device {
    phone_number = "+36721601234567"
  }
}
"#),
    );
    let plan = tf.plan();
    assert!(
        plan.success(),
        "unknown at plan time, so not judged yet:\n{}",
        plan.output()
    );
    let apply = tf.try_apply();
    assert!(!apply.success());
    assert!(
        apply.output().contains("Error: Invalid service_ipv4"),
        "{}",
        apply.output()
    );
    assert!(
        apply.output().contains("not an IPv4 address or CIDR block"),
        "{}",
        apply.output()
    );
    assert_eq!(tf.qod_request_count(), 0, "nothing was sent");
}
