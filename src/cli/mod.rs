//! The command line (the binary only): the commands, their dispatch, and the exit codes
//! (0 pass, 1 blocked or a finding, 2 could not decide). Library errors come back here.

mod args;
mod audit;
mod check;
mod close;
mod commit_msg;
mod export;
mod init;
mod output;
mod progress;
mod rules;
mod schema;
mod verify;
mod vulns;
mod windows;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use changegate::error::Error;
use changegate::input::limits;

use args::{
    AuditArgs, CheckArgs, CloseArgs, ExportTarget, ListFormat, SchemaKind, Template, VulnsArgs,
    WindowsArgs,
};

#[derive(Debug, Parser)]
#[command(
    name = "changegate",
    version = env!("CHANGEGATE_LONG_VERSION"),
    about = "The change-control gate for infrastructure-as-code",
    long_about = "changegate reads what a change does and what its change record claims, and decides \
                  whether it may go ahead under the maintenance policy.\n\n\
                  Exit codes: 0 the change may go ahead, 1 blocked by findings, 2 could not decide."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Change the size limit of one kind of input: `KIND=SIZE` (e.g. `plan=4GiB`), repeatable
    /// or comma-separated. Kinds: plan, manifests, description, policy, change, tf, record,
    /// record-log, commit-msg, event, http, rego, tests. A larger input is refused (exit 2).
    #[arg(
        long = "max-size",
        global = true,
        value_name = "KIND=SIZE",
        env = "CHANGEGATE_MAX_SIZE",
        value_delimiter = ','
    )]
    pub max_size: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a change against the policy (exit 0 pass, 1 blocked, 2 could not decide).
    Check(Box<CheckArgs>),
    /// Close a change after it was applied: verify its deploy record, read the tests run after
    /// it and the state after it (post-apply plans, live objects), run the post-maintenance
    /// rules and write the closing record. Exit 0 closed and every post-change check passed, 1
    /// closed with blocking findings (the closing record is still written), 2 could not
    /// decide.
    Close(Box<CloseArgs>),
    /// The patching deadline of every vulnerability of scanners' reports (Trivy, Grype, SARIF,
    /// GitLab), with OpenVEX statements setting findings aside: overdue, due soon, open. Exit 0
    /// none overdue, 1 one is overdue, 2 could not decide.
    Vulns(VulnsArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// List this policy's custom rules too (its `rego.paths`).
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
        /// List the custom rules of these Rego files or directories too.
        #[arg(long, value_name = "PATH")]
        rego: Vec<std::path::PathBuf>,
    },
    /// Show the documentation of a rule, by code (CG104) or name (missing-approval).
    Explain {
        /// Rule code or name.
        rule: String,
        /// Also say how this policy enforces the rule, in each of its environments (and find
        /// its custom rules).
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
        /// Custom rules in Rego to find the rule among.
        #[arg(long, value_name = "PATH")]
        rego: Vec<std::path::PathBuf>,
    },
    /// Print the JSON Schema of a changegate file format.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Check one commit message (for the `commit-msg` git hook): exit 0 fine, 1 with a
    /// one-line reason, 2 could not decide.
    CommitMsg {
        /// Policy file. Default: `changegate.yaml` at the repository root, else the built-in
        /// default policy.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The commit message file git passes to the hook (`.git/COMMIT_EDITMSG`).
        file: PathBuf,
    },
    /// Verify maintenance records: each record's digest; with its inputs at hand, their
    /// hashes and the decision re-evaluated with the recorded policy, change record and time;
    /// with `--log`, the log's hash chain and that each record is in it. Exit 0 all verified,
    /// 1 a mismatch (the first is named), 2 unreadable.
    Verify {
        /// Record files written by `check --record`.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// The record log (`check --record-log`) to check.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// Directory the recorded input paths are relative to (default: the current directory).
        #[arg(long, value_name = "DIR")]
        inputs: Option<PathBuf>,
        /// Only the digests and the log, without re-reading inputs or re-evaluating.
        #[arg(long)]
        digest_only: bool,
        /// SSH keys allowed to sign records and log lines (git's allowed-signers format); by
        /// default the recorded policy's `records.allowed_signers`, read from the trusted ref.
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        /// Refuse unsigned records and log lines (also when the recorded policy sets
        /// `records.require_signed`).
        #[arg(long)]
        require_signed: bool,
    },
    /// The periodic compliance review of a deployment branch's history under the policy in
    /// force: changes without a ticket, outside windows or in freezes, by people not in
    /// `personnel`, direct commits that bypassed review, emergency changes without their
    /// review in time, and (with `--records`) changes and records that do not match. Exit 0
    /// compliant, 1 findings, 2 could not decide.
    Audit(AuditArgs),
    /// Shell completions for bash, zsh, fish, elvish or PowerShell, on standard output
    /// (`changegate completions bash > /etc/bash_completion.d/changegate`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), on standard output (`changegate man > changegate.1`).
    Man,
    /// Run the tests of custom Rego rules: the `test_*` rules of the `.rego` files given (files
    /// or directories, tests and the rules they test), like `opa test`. Exit 0 all passed, 1 a
    /// test failed, 2 a file could not be read or compiled.
    TestRego {
        /// `.rego` files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// A JSON or YAML file loaded as `data` (repeatable; merged), like Conftest's `--data`.
        #[arg(long, value_name = "FILE")]
        rego_data: Vec<PathBuf>,
        /// Only the tests of this package, or of the packages a pattern (`ma*`) selects, like
        /// `conftest verify --namespace`. Repeatable; default every package.
        #[arg(long, value_name = "NAMESPACE")]
        rego_namespace: Vec<String>,
        /// Read the files as Rego v0 (OPA before 1.0).
        #[arg(long)]
        v0: bool,
        /// A built-in's error fails the test instead of making its expression undefined
        /// (OPA's `--strict-builtin-errors`).
        #[arg(long)]
        strict: bool,
        /// The time limit of each test.
        #[arg(long, value_name = "DURATION", default_value = "5s")]
        timeout: String,
        /// The memory each test may hold (e.g. `512MiB`).
        #[arg(long, value_name = "SIZE", default_value = "512MiB")]
        memory: String,
    },
    /// List the allow windows and freezes that occur in a period (default: the next 30 days)
    /// as text, JSON or an iCalendar file to subscribe to.
    Windows(WindowsArgs),
    /// Write the policy's windows for the tool that applies changes: Argo CD sync windows or
    /// GitLab deploy freezes.
    #[command(subcommand)]
    Export(ExportTarget),
    /// Write a commented starter `changegate.yaml` and a pull-request template (never
    /// overwrites existing files).
    Init {
        /// Directory to write into (the repository root).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Which platform's pull/merge-request template to write.
        #[arg(long, value_enum, default_value_t = Template::Github)]
        template: Template,
        /// Also write `policy/` with example custom rules in Rego (one against the change set,
        /// one Conftest-style) and their tests, and point the policy's `rego.paths` at it.
        #[arg(long)]
        rego: bool,
    },
}

/// Parses the process arguments and runs the command.
pub fn run() -> Result<ExitCode, Error> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let mut sizes = limits::SizeLimits::default();
    sizes.apply(&cli.max_size).map_err(Error::Usage)?;
    limits::init(sizes);
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Close(args) => close::run(&args, &mut out),
        Command::Vulns(args) => vulns::run(&args, &mut out),
        Command::Rules {
            format,
            policy,
            rego,
        } => rules::list(format, policy.as_deref(), &rego, &mut out),
        Command::Explain { rule, policy, rego } => {
            rules::explain(&rule, policy.as_deref(), &rego, &mut out)
        }
        Command::Schema { which } => schema::run(which, &mut out),
        Command::CommitMsg { policy, file } => commit_msg::run(policy.as_deref(), &file),
        Command::Audit(args) => audit::run(&args, &mut out),
        Command::Windows(args) => windows::run(&args, &mut out),
        Command::TestRego {
            paths,
            rego_data,
            rego_namespace,
            v0,
            strict,
            timeout,
            memory,
        } => rules::test(
            &paths,
            &rego_data,
            &rego_namespace,
            changegate::input::rego::Dialect { v0, strict },
            (&timeout, &memory),
            &mut out,
        ),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "changegate",
                &mut buf,
            );
            output::write_out(&mut out, &buf)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut buf)
                .map_err(|source| Error::Io {
                    path: "<stdout>".into(),
                    source,
                })?;
            output::write_out(&mut out, &buf)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(target) => export::run(&target, &mut out),
        Command::Verify {
            records,
            log,
            inputs,
            digest_only,
            allowed_signers,
            require_signed,
        } => verify::run(
            &records,
            verify::Options {
                log: log.as_deref(),
                inputs: inputs.as_deref(),
                digest_only,
                allowed_signers: allowed_signers.as_deref(),
                require_signed,
            },
            &mut out,
        ),
        Command::Init {
            dir,
            template,
            rego,
        } => {
            init::run(&dir, template, rego, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The working directory, for discovering `changegate.yaml`.
fn current_dir() -> Result<PathBuf, Error> {
    std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })
}
