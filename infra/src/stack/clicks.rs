//! Click counts from the edge's own access logs (docs/architecture.md, "Deploy-time wiring"): CloudFront's standard
//! logs (legacy) go to a private log bucket that forgets them after `LogRetentionDays`; each new log file is
//! announced on a queue with a dead-letter queue; the click counter reads the file and adds its counts to the
//! table; and alarms say when that pipeline stops, which it would otherwise do silently.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use shortener_domain::store::table::{CLICKS_PREFIX, COUNTED_UNTIL_KEY, LOG_PREFIX as MARKER_PREFIX, WARM_UP_KEY};

use super::{
    functions::{FunctionSpec, function},
    ids::LOG_RETENTION,
};
use crate::{
    assembly::FileAsset,
    cfn::{Expr, Id, Pseudo},
    resources::{
        cloudfront::Logging,
        cloudwatch::{Alarm, Dimension},
        iam::{InlinePolicy, PolicyDocument, Principal, Statement},
        lambda::{EventSourceMapping, ScalingConfig},
        s3::{
            AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, FilterRule, KeyFilter,
            LifecycleConfiguration, LifecycleRule, NotificationConfiguration, NotificationFilter, OwnershipControls,
            OwnershipRule, PublicAccessBlock, QueueConfiguration,
        },
        sqs::{Queue, QueuePolicy, RedrivePolicy},
    },
    template::Template,
};

const LOG_BUCKET: Id = Id("ClickLogBucket");
const LOG_BUCKET_POLICY: Id = Id("ClickLogBucketPolicy");
const LOG_QUEUE: Id = Id("ClickLogQueue");
const LOG_QUEUE_POLICY: Id = Id("ClickLogQueuePolicy");
const DEAD_LETTERS: Id = Id("ClickLogDeadLetterQueue");
const COUNTER: Id = Id("ClickCounterFunction");
const COUNTER_ROLE: Id = Id("ClickCounterRole");
const COUNTER_LOGS: Id = Id("ClickCounterLogGroup");
const COUNTER_EVENTS: Id = Id("ClickCounterEventSource");
const COUNTER_ERRORS_ALARM: Id = Id("ClickCounterErrorsAlarm");
const DEAD_LETTERS_ALARM: Id = Id("ClickLogDeadLettersAlarm");
const QUEUE_AGE_ALARM: Id = Id("ClickLogQueueAgeAlarm");

/// Prefix of every access log file's key: the distribution writes under it, the bucket announces only keys under
/// it, and the click counter may read only those.
const LOG_FILE_PREFIX: &str = "cloudfront/";
/// CloudFront's log files are gzip: `<prefix><distribution ID>.<yyyy-mm-dd-hh>.<unique>.gz`.
const LOG_FILE_SUFFIX: &str = ".gz";

/// Seconds one batch of log files may take (a file of a busy hour is megabytes and several transactions).
const COUNTER_TIMEOUT_SECONDS: u32 = 60;
/// A received message stays hidden six times the function's timeout, as AWS advises for an SQS event source, so a
/// batch still being counted is not delivered to a second instance.
const VISIBILITY_TIMEOUT_SECONDS: u32 = 6 * COUNTER_TIMEOUT_SECONDS;
/// Receives of a log file's message before it moves to the dead-letter queue: retries of a passing failure
/// (throttling, an outage) succeed within them; a file that fails five times needs a person.
const MAX_RECEIVES: u32 = 5;
/// Both queues keep a message as long as SQS allows, so an outage of the counter loses no file.
const FOURTEEN_DAYS_SECONDS: u32 = 14 * 24 * 3600;
/// Log files per invocation.
const BATCH_SIZE: u32 = 10;
/// Instances counting at once: files come a few a minute, and this bounds the writes a backlog sends to the table.
const MAX_CONCURRENCY: u32 = 5;
/// The counter parses a stream and keeps one entry per ID and day: the smallest memory is plenty.
const COUNTER_MEMORY_MB: i64 = 128;
/// A log file still waiting after an hour means the counter is failing or stopped (CloudFront's own delay comes
/// before the file exists, so it does not count here).
const OLDEST_MESSAGE_ALARM_SECONDS: f64 = 3600.0;
/// Seconds per alarm data point.
const ALARM_PERIOD_SECONDS: u32 = 300;

/// The log bucket and the queues of its new files.
#[derive(Debug, Clone)]
pub(super) struct ClickLogs {
    /// The bucket.
    pub(super) bucket: Id,
    /// The queue of new log files.
    pub(super) queue: Id,
    /// Where a file's message goes after [`MAX_RECEIVES`].
    pub(super) dead_letters: Id,
    /// The parts of the bucket's ARN, written without referring to the bucket (its notification needs the queue
    /// policy first).
    bucket_arn: Vec<Expr>,
}

impl ClickLogs {
    /// The bucket's ARN followed by `suffix`.
    fn arn(&self, suffix: &str) -> Expr {
        Expr::concat(self.bucket_arn.iter().cloned().chain([suffix.into()]))
    }
}

/// `clicklogs-<10 hex of the stack name's SHA-256>-<account>-<region>`: a bucket name is global, lowercase and
/// at most 63 characters, and the queue policy must name the bucket before the bucket exists (S3 checks that it
/// may send to the queue when the notification is created), so the name is chosen here rather than drawn by
/// CloudFormation. The hash keeps two stacks of one account and region apart whatever case their names have.
fn bucket_name_parts(stack_name: &str) -> Vec<Expr> {
    let digest = hex::encode(Sha256::digest(stack_name.as_bytes()));
    vec![
        format!("clicklogs-{}-", &digest[..10]).into(),
        Expr::pseudo(Pseudo::AccountId),
        "-".into(),
        Expr::pseudo(Pseudo::Region),
    ]
}

/// The private log bucket (encrypted, no public access, TLS only, ACLs honoured for CloudFront's log delivery,
/// files expired after `LogRetentionDays`), the queue its new log files are announced on, and the dead-letter
/// queue behind it.
pub(super) fn click_logs(t: &mut Template, stack_name: &str) -> ClickLogs {
    let name = bucket_name_parts(stack_name);
    let bucket_arn: Vec<Expr> =
        ["arn:".into(), Expr::pseudo(Pseudo::Partition), ":s3:::".into()].into_iter().chain(name.clone()).collect();
    let encrypted = || Queue {
        message_retention_period: FOURTEEN_DAYS_SECONDS,
        sqs_managed_sse_enabled: true,
        visibility_timeout: None,
        redrive_policy: None,
    };
    let dead_letters = t.add(DEAD_LETTERS, encrypted());
    let queue = t.add(
        LOG_QUEUE,
        Queue {
            visibility_timeout: Some(VISIBILITY_TIMEOUT_SECONDS),
            redrive_policy: Some(RedrivePolicy {
                dead_letter_target_arn: dead_letters.attr("Arn"),
                max_receive_count: MAX_RECEIVES,
            }),
            ..encrypted()
        },
    );
    let queue_policy = t.add(
        LOG_QUEUE_POLICY,
        QueuePolicy {
            queues: vec![queue.reference()],
            policy_document: PolicyDocument::new([
                Statement {
                    sid: Some("LogBucketAnnouncesNewFiles"),
                    principal: Some(Principal::Service("s3.amazonaws.com")),
                    condition: BTreeMap::from([
                        ("ArnEquals", BTreeMap::from([("aws:SourceArn", Expr::concat(bucket_arn.clone()))])),
                        ("StringEquals", BTreeMap::from([("aws:SourceAccount", Expr::pseudo(Pseudo::AccountId))])),
                    ]),
                    ..Statement::allow(vec!["sqs:SendMessage"], vec![queue.attr("Arn")])
                },
                Statement::tls_only(vec!["sqs:*"], vec![queue.attr("Arn")]),
            ]),
        },
    );
    // Retained like the site bucket: CloudFormation cannot delete a bucket that holds files, and the lifecycle rule
    // empties a retained one within LogRetentionDays.
    let bucket = t.add_retained(
        LOG_BUCKET,
        Bucket {
            bucket_name: Some(Expr::concat(name)),
            bucket_encryption: BucketEncryption::sse_s3(),
            public_access_block_configuration: PublicAccessBlock::all(),
            // CloudFront's standard logs (legacy) are written by its awslogsdelivery account through an ACL grant,
            // which BucketOwnerEnforced would refuse; files written with bucket-owner-full-control become ours.
            ownership_controls: OwnershipControls {
                rules: vec![OwnershipRule { object_ownership: "BucketOwnerPreferred" }],
            },
            lifecycle_configuration: Some(LifecycleConfiguration {
                rules: vec![LifecycleRule {
                    id: "expire-access-logs",
                    status: "Enabled",
                    expiration_in_days: LOG_RETENTION.reference(),
                    abort_incomplete_multipart_upload: AbortIncompleteMultipartUpload { days_after_initiation: 1 },
                }],
            }),
            notification_configuration: Some(NotificationConfiguration {
                queue_configurations: vec![QueueConfiguration {
                    event: "s3:ObjectCreated:*",
                    queue: queue.attr("Arn"),
                    filter: NotificationFilter {
                        s3_key: KeyFilter {
                            rules: vec![
                                FilterRule { name: "prefix", value: LOG_FILE_PREFIX },
                                FilterRule { name: "suffix", value: LOG_FILE_SUFFIX },
                            ],
                        },
                    },
                }],
            }),
        },
    );
    t.depends_on(bucket, queue_policy);
    t.add(
        LOG_BUCKET_POLICY,
        BucketPolicy {
            bucket: bucket.reference(),
            policy_document: PolicyDocument::new([Statement::tls_only(
                vec!["s3:*"],
                vec![bucket.attr("Arn"), Expr::concat([bucket.attr("Arn"), "/*".into()])],
            )]),
        },
    );
    t.output(
        Id("ClickLogBucketName"),
        "The access log bucket: CloudFront's log files, counted and then expired",
        bucket.reference(),
    );
    ClickLogs { bucket, queue, dead_letters, bucket_arn }
}

/// The distribution's access logs: standard logging (legacy) into the log bucket under [`LOG_FILE_PREFIX`], no
/// cookies. Legacy rather than v2, whose delivery is billed per GB, because the counter parses the legacy W3C
/// file (docs/architecture.md says why from the documented cost and delay).
pub(super) fn access_logging(logs: &ClickLogs) -> Logging {
    Logging { bucket: logs.bucket.attr("DomainName"), prefix: LOG_FILE_PREFIX, include_cookies: false }
}

/// The click counter: reads the log files its queue announces (only under the log prefix), writes count items,
/// chunk markers and `countedUntil` (only those keys), with the alarms of a pipeline that can stop silently.
pub(super) fn click_counter(t: &mut Template, table: Id, code: &FileAsset, logs: &ClickLogs) -> Id {
    let counter = function(
        t,
        FunctionSpec {
            id: COUNTER,
            role: COUNTER_ROLE,
            logs: COUNTER_LOGS,
            description: "click-counter: adds up the clicks in each new CloudFront access log file",
            code,
            memory: Expr::Int(COUNTER_MEMORY_MB),
            timeout: COUNTER_TIMEOUT_SECONDS,
            grants: vec![count_items_policy(table), log_files_policy(logs), log_queue_policy(logs)],
            environment: BTreeMap::from([("TABLE_NAME", table.reference())]),
        },
    );
    t.add(
        COUNTER_EVENTS,
        EventSourceMapping {
            function_name: counter.reference(),
            event_source_arn: logs.queue.attr("Arn"),
            starting_position: None,
            batch_size: BATCH_SIZE,
            maximum_batching_window_in_seconds: 0.into(),
            bisect_batch_on_function_error: None,
            maximum_retry_attempts: None,
            filter_criteria: None,
            destination_config: None,
            function_response_types: vec!["ReportBatchItemFailures"],
            scaling_config: Some(ScalingConfig { maximum_concurrency: MAX_CONCURRENCY }),
        },
    );
    alarms(t, counter, logs);
    counter
}

/// `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: the statement applies only to items whose key is one of
/// `keys` (`*` a wildcard).
fn leading_keys(keys: &[String]) -> BTreeMap<&'static str, BTreeMap<&'static str, Expr>> {
    let keys = keys.iter().map(|key| Expr::from(key.as_str())).collect();
    BTreeMap::from([("ForAllValues:StringLike", BTreeMap::from([("dynamodb:LeadingKeys", Expr::List(keys))]))])
}

/// Writes of count items and markers only: `PutItem` of a chunk's marker (the transaction's conditional put),
/// `UpdateItem` of day counts (`ADD`) and of `countedUntil`, and `GetItem` of the warm-up key alone (the store's
/// init check). No link, block or quota item can be read or written.
fn count_items_policy(table: Id) -> InlinePolicy {
    let on_table = || vec![table.attr("Arn")];
    let statement = |action, keys: Vec<String>| Statement {
        condition: leading_keys(&keys),
        ..Statement::allow(vec![action], on_table())
    };
    InlinePolicy {
        policy_name: "click-counts",
        policy_document: PolicyDocument::new([
            statement("dynamodb:PutItem", vec![format!("{MARKER_PREFIX}*")]),
            statement("dynamodb:UpdateItem", vec![format!("{CLICKS_PREFIX}*"), COUNTED_UNTIL_KEY.to_owned()]),
            statement("dynamodb:GetItem", vec![WARM_UP_KEY.to_owned()]),
        ]),
    }
}

/// `s3:GetObject` of log files only: keys under [`LOG_FILE_PREFIX`] of the log bucket.
fn log_files_policy(logs: &ClickLogs) -> InlinePolicy {
    InlinePolicy {
        policy_name: "log-files",
        policy_document: PolicyDocument::new([Statement::allow(
            vec!["s3:GetObject"],
            vec![logs.arn(&format!("/{LOG_FILE_PREFIX}*"))],
        )]),
    }
}

/// What the event source mapping does on the counter's behalf, on its own queue only: receive, delete what was
/// counted, and read the queue's attributes (Lambda checks them when it starts polling).
fn log_queue_policy(logs: &ClickLogs) -> InlinePolicy {
    InlinePolicy {
        policy_name: "log-queue",
        policy_document: PolicyDocument::new([Statement::allow(
            vec!["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            vec![logs.queue.attr("Arn")],
        )]),
    }
}

/// The three ways the pipeline stops without anyone noticing: the counter fails, files give up into the
/// dead-letter queue, or files wait in the queue (the counter is throttled, misconfigured or not polling).
fn alarms(t: &mut Template, counter: Id, logs: &ClickLogs) {
    let alarm = |description, namespace, metric_name, dimension: Dimension, statistic, periods, threshold| Alarm {
        alarm_description: description,
        namespace,
        metric_name,
        dimensions: vec![dimension],
        statistic,
        period: ALARM_PERIOD_SECONDS,
        evaluation_periods: periods,
        threshold,
        comparison_operator: "GreaterThanThreshold",
        treat_missing_data: "notBreaching",
    };
    let queue_name = |queue: Id| Dimension { name: "QueueName", value: queue.attr("QueueName") };
    t.add(
        COUNTER_ERRORS_ALARM,
        alarm(
            "click-counter failed on a log file: its clicks are not counted until a retry succeeds",
            "AWS/Lambda",
            "Errors",
            Dimension { name: "FunctionName", value: counter.reference() },
            "Sum",
            1,
            0.0,
        ),
    );
    t.add(
        DEAD_LETTERS_ALARM,
        alarm(
            "A log file failed every attempt and is in the dead-letter queue: its clicks are missing until it is \
             sent back to the log queue",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            queue_name(logs.dead_letters),
            "Maximum",
            1,
            0.0,
        ),
    );
    t.add(
        QUEUE_AGE_ALARM,
        alarm(
            "A log file has waited over an hour to be counted: click-counter is failing, throttled or not polling",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            queue_name(logs.queue),
            "Maximum",
            3,
            OLDEST_MESSAGE_ALARM_SECONDS,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::bucket_name_parts;
    use crate::{LONGEST_REGION, MAX_STACK_NAME, cfn::Expr};

    fn resolved(parts: &[Expr], account: &str, region: &str) -> String {
        parts
            .iter()
            .map(|part| match part {
                Expr::Str(text) => text.clone(),
                Expr::Pseudo(crate::cfn::Pseudo::AccountId) => account.to_owned(),
                Expr::Pseudo(crate::cfn::Pseudo::Region) => region.to_owned(),
                other => panic!("unexpected part {other:?}"),
            })
            .collect()
    }

    #[test]
    fn the_log_bucket_name_is_a_valid_bucket_name_at_its_longest_and_differs_per_stack() {
        let longest =
            resolved(&bucket_name_parts(&"A".repeat(MAX_STACK_NAME)), "123456789012", &"r".repeat(LONGEST_REGION));
        assert!(longest.len() <= 63, "{longest}");
        for stack in ["Shortener", "links-prod-2"] {
            let name = resolved(&bucket_name_parts(stack), "123456789012", "ap-south-1");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{name}");
        }
        assert_ne!(
            resolved(&bucket_name_parts("Shortener"), "1", "r"),
            resolved(&bucket_name_parts("shortener"), "1", "r"),
            "stack names that differ only in case share a bucket name"
        );
    }
}
