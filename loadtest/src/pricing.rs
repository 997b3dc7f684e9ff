//! What a million redirects and a million creates would cost on AWS, and what counting a million clicks from the
//! edge's access logs adds, from an editable price table (`loadtest/pricing.json`, Mumbai by default) and what a
//! load test run measured. The formulas are in docs/load-testing.md, "The projected bill".

use serde::{Deserialize, Serialize};
use shortener_domain::clicks::CHUNK_ITEMS;

/// The committed default table, `loadtest/pricing.json`.
pub const DEFAULT_TABLE: &str = include_str!("../pricing.json");

/// Unit prices, in `currency`, of the services a click and a create go through.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// Where the prices apply.
    pub region: String,
    /// Currency of every price.
    pub currency: String,
    /// When the prices were read from their source.
    pub checked: String,
    /// Where the prices come from, and what they leave out.
    pub source: String,
    /// AWS Lambda.
    pub lambda: LambdaPrices,
    /// API Gateway HTTP API.
    pub api_gateway_http: ApiGatewayPrices,
    /// DynamoDB on-demand capacity.
    pub dynamodb_on_demand: DynamoPrices,
    /// CloudFront.
    pub cloudfront: CloudFrontPrices,
    /// S3 (the access log bucket).
    pub s3: S3Prices,
    /// SQS (the queue of new log files).
    pub sqs: SqsPrices,
    /// What the click counting pipeline's cost rests on besides prices.
    pub click_counting: ClickCountingAssumptions,
}

/// AWS Lambda prices and the functions' configured memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaPrices {
    /// The architecture the prices are for.
    pub architecture: String,
    /// Price of a million invocations.
    pub request_per_million: f64,
    /// Price of one GB-second of duration.
    pub gb_second: f64,
    /// Memory configured for edge-resolver.
    pub edge_resolver_memory_mb: f64,
    /// Memory configured for origin-api.
    pub origin_api_memory_mb: f64,
    /// Memory configured for click-counter.
    pub click_counter_memory_mb: f64,
}

/// API Gateway HTTP API prices.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiGatewayPrices {
    /// Price of a million requests (each up to 512 KB).
    pub request_per_million: f64,
}

/// DynamoDB on-demand prices and the request units one call uses (items under 1 KB).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoPrices {
    /// Price of a million read request units.
    pub read_request_unit_per_million: f64,
    /// Price of a million write request units.
    pub write_request_unit_per_million: f64,
    /// Read units of an eventually consistent `GetItem` (the resolver's read).
    pub eventually_consistent_read_units: f64,
    /// Read units of a strongly consistent `GetItem` (the resolver confirms "not found" with one).
    pub strongly_consistent_read_units: f64,
    /// Write units of the conditional `PutItem` of a create (and of click-counter's `countedUntil` update).
    pub write_units: f64,
    /// Write units of each item of a `TransactWriteItems` (click-counter's counts and their marker).
    pub transactional_write_units: f64,
}

/// CloudFront prices.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFrontPrices {
    /// Price of 10,000 HTTPS requests.
    pub https_request_per_10k: f64,
    /// Price of a GB sent to viewers.
    pub transfer_out_per_gb: f64,
    /// Price of a GB sent to an origin (request bodies of creates).
    pub transfer_to_origin_per_gb: f64,
}

/// S3 Standard prices.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Prices {
    /// Price of a GB stored for a month.
    pub storage_gb_month: f64,
    /// Price of 1,000 `PUT` requests (CloudFront's delivery of a log file).
    pub put_request_per_1k: f64,
    /// Price of 1,000 `GET` requests (click-counter's read of a log file).
    pub get_request_per_1k: f64,
}

/// SQS standard queue prices.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsPrices {
    /// Price of a million requests (each up to 64 KB).
    pub request_per_million: f64,
}

/// What counting clicks from the access logs costs besides prices: how the traffic falls into log files.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickCountingAssumptions {
    /// Bytes one click adds to a gzip log file (a line of about 400 bytes, compressed about 7:1).
    pub log_bytes_per_click: f64,
    /// Clicks in one log file (CloudFront writes a file per edge location several times an hour, so busier
    /// traffic means fuller files).
    pub clicks_per_log_file: f64,
    /// Distinct (short ID, UTC day) pairs in one log file: each is one count item written, whatever the
    /// number of clicks it adds up.
    pub id_days_per_log_file: f64,
    /// Billed milliseconds of click-counter per log file (one file per invocation: the most invocations).
    pub billed_ms_per_log_file: f64,
    /// SQS requests per log file: S3's send, the event source's receive and its delete.
    pub sqs_requests_per_log_file: f64,
    /// Days the log bucket keeps a file (the stack's `LogRetentionDays`).
    pub log_retention_days: f64,
}

impl PriceTable {
    /// Parses a table in the format of `loadtest/pricing.json`.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// What a run measured about redirects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedirectMeasure {
    /// Share of redirects CloudFront answered from its cache (`x-cache: Hit from cloudfront`); 0 without CloudFront.
    pub edge_hit_share: f64,
    /// Of the redirects that reached the resolver, the share it answered by reading the store
    /// (`x-shortener-cache: miss`).
    pub store_read_share: f64,
    /// Mean billed duration of a resolver invocation, in milliseconds.
    pub billed_ms: f64,
    /// Mean bytes of a redirect response (status line, headers, body).
    pub response_bytes: f64,
}

/// What a run measured about creates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreateMeasure {
    /// Mean billed duration of an origin-api invocation, in milliseconds.
    pub billed_ms: f64,
    /// Mean bytes of a create request (request line, headers, body).
    pub request_bytes: f64,
    /// Mean bytes of a create response.
    pub response_bytes: f64,
}

/// One line of a projected bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BillLine {
    /// What is paid for.
    pub item: &'static str,
    /// How much, for a million operations.
    pub cost: f64,
    /// How the amount was computed.
    pub basis: String,
}

/// A projected bill for a million operations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bill {
    /// Each service's share.
    pub lines: Vec<BillLine>,
}

impl Bill {
    /// The sum of the lines.
    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.cost).sum()
    }
}

const MILLION: f64 = 1_000_000.0;
const GB: f64 = 1_000_000_000.0;
/// S3 bills storage per GB-month; a month here is 30 days.
const DAYS_PER_MONTH: f64 = 30.0;

fn lambda_line(
    item: &'static str,
    prices: &LambdaPrices,
    invocations: f64,
    memory_mb: f64,
    billed_ms: f64,
) -> BillLine {
    let gb_seconds = invocations * memory_mb / 1024.0 * billed_ms / 1000.0;
    BillLine {
        item,
        cost: invocations / MILLION * prices.request_per_million + gb_seconds * prices.gb_second,
        basis: format!(
            "{invocations:.0} invocations x ({:.2} per M + {memory_mb:.0} MB x {billed_ms:.2} ms billed x {} per GB-s)",
            prices.request_per_million, prices.gb_second
        ),
    }
}

/// A million HTTPS requests through CloudFront: the first line of every bill.
fn cloudfront_requests_line(cf: &CloudFrontPrices) -> BillLine {
    BillLine {
        item: "CloudFront requests",
        cost: MILLION / 10_000.0 * cf.https_request_per_10k,
        basis: format!("1M HTTPS requests x {} per 10k", cf.https_request_per_10k),
    }
}

/// A million clicks on short links: every one is a CloudFront request; those CloudFront did not answer from its
/// cache invoke edge-resolver; those the resolver did not answer from memory read DynamoDB.
pub fn per_million_redirects(table: &PriceTable, measure: &RedirectMeasure) -> Bill {
    let cf = &table.cloudfront;
    let invocations = MILLION * (1.0 - measure.edge_hit_share).clamp(0.0, 1.0);
    let reads = invocations * measure.store_read_share.clamp(0.0, 1.0);
    let ddb = &table.dynamodb_on_demand;
    Bill {
        lines: vec![
            cloudfront_requests_line(cf),
            BillLine {
                item: "CloudFront transfer out",
                cost: MILLION * measure.response_bytes / GB * cf.transfer_out_per_gb,
                basis: format!("1M x {:.0} bytes x {} per GB", measure.response_bytes, cf.transfer_out_per_gb),
            },
            lambda_line(
                "Lambda edge-resolver",
                &table.lambda,
                invocations,
                table.lambda.edge_resolver_memory_mb,
                measure.billed_ms,
            ),
            BillLine {
                item: "DynamoDB reads",
                cost: reads * ddb.eventually_consistent_read_units / MILLION * ddb.read_request_unit_per_million,
                basis: format!(
                    "{reads:.0} GetItem x {} RRU x {} per M RRU",
                    ddb.eventually_consistent_read_units, ddb.read_request_unit_per_million
                ),
            },
        ],
    }
}

/// A million creates: each is a CloudFront request forwarded to API Gateway, one origin-api invocation and one
/// conditional put.
pub fn per_million_creates(table: &PriceTable, measure: &CreateMeasure) -> Bill {
    let cf = &table.cloudfront;
    let ddb = &table.dynamodb_on_demand;
    Bill {
        lines: vec![
            cloudfront_requests_line(cf),
            BillLine {
                item: "CloudFront transfer",
                cost: MILLION * measure.response_bytes / GB * cf.transfer_out_per_gb
                    + MILLION * measure.request_bytes / GB * cf.transfer_to_origin_per_gb,
                basis: format!(
                    "1M x ({:.0} bytes out x {} + {:.0} bytes to origin x {}) per GB",
                    measure.response_bytes, cf.transfer_out_per_gb, measure.request_bytes, cf.transfer_to_origin_per_gb
                ),
            },
            BillLine {
                item: "API Gateway HTTP API",
                cost: table.api_gateway_http.request_per_million,
                basis: format!("1M requests x {} per M", table.api_gateway_http.request_per_million),
            },
            lambda_line(
                "Lambda origin-api",
                &table.lambda,
                MILLION,
                table.lambda.origin_api_memory_mb,
                measure.billed_ms,
            ),
            BillLine {
                item: "DynamoDB writes",
                cost: ddb.write_units * ddb.write_request_unit_per_million,
                basis: format!(
                    "1M PutItem x {} WRU x {} per M WRU",
                    ddb.write_units, ddb.write_request_unit_per_million
                ),
            },
        ],
    }
}

/// Counting a million clicks from the edge's access logs, which CloudFront writes for edge hits and origin answers
/// alike, so the figure does not depend on the edge hit ratio and no click invokes a function. Per log file: S3
/// stores it for the retention and takes CloudFront's `PUT` (standard logs themselves are free) and click-counter's
/// `GET`; SQS carries its notification; click-counter runs once; DynamoDB takes one transaction per
/// [`CHUNK_ITEMS`] (ID, day) pairs, each pair one item plus the transaction's marker (two write units each), and
/// one `countedUntil` update.
pub fn per_million_clicks_counted(table: &PriceTable) -> Bill {
    let counting = &table.click_counting;
    let files = MILLION / counting.clicks_per_log_file.max(1.0);
    let id_days = counting.id_days_per_log_file.max(0.0);
    let transactions = (id_days / CHUNK_ITEMS as f64).ceil();
    let ddb = &table.dynamodb_on_demand;
    let units_per_file = (id_days + transactions) * ddb.transactional_write_units + ddb.write_units;
    let stored_gb_months = MILLION * counting.log_bytes_per_click / GB * counting.log_retention_days / DAYS_PER_MONTH;
    Bill {
        lines: vec![
            BillLine {
                item: "S3 log storage",
                cost: stored_gb_months * table.s3.storage_gb_month,
                basis: format!(
                    "1M x {:.0} bytes x {:.0} days / {DAYS_PER_MONTH:.0} x {} per GB-month",
                    counting.log_bytes_per_click, counting.log_retention_days, table.s3.storage_gb_month
                ),
            },
            BillLine {
                item: "S3 log requests",
                cost: files / 1000.0 * (table.s3.put_request_per_1k + table.s3.get_request_per_1k),
                basis: format!(
                    "{files:.0} files x (1 PUT x {} + 1 GET x {}) per 1k",
                    table.s3.put_request_per_1k, table.s3.get_request_per_1k
                ),
            },
            BillLine {
                item: "SQS requests",
                cost: files * counting.sqs_requests_per_log_file / MILLION * table.sqs.request_per_million,
                basis: format!(
                    "{files:.0} files x {:.0} requests x {} per M",
                    counting.sqs_requests_per_log_file, table.sqs.request_per_million
                ),
            },
            lambda_line(
                "Lambda click-counter",
                &table.lambda,
                files,
                table.lambda.click_counter_memory_mb,
                counting.billed_ms_per_log_file,
            ),
            BillLine {
                item: "DynamoDB count writes",
                cost: files * units_per_file / MILLION * ddb.write_request_unit_per_million,
                basis: format!(
                    "{files:.0} files x (({id_days:.0} ID-days + {transactions:.0} markers) x {} WRU + {} WRU) x {} \
                     per M WRU",
                    ddb.transactional_write_units, ddb.write_units, ddb.write_request_unit_per_million
                ),
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PriceTable {
        /// The committed table, `loadtest/pricing.json`, as every test of the crate reads it.
        pub(crate) fn committed() -> Self {
            Self::parse(DEFAULT_TABLE).expect("loadtest/pricing.json")
        }
    }

    /// A table whose every price is zero, so that a bill holds only the prices a test sets.
    fn free_table() -> PriceTable {
        let mut table = PriceTable::committed();
        table.lambda.request_per_million = 0.0;
        table.lambda.gb_second = 0.0;
        table.api_gateway_http.request_per_million = 0.0;
        table.dynamodb_on_demand.read_request_unit_per_million = 0.0;
        table.dynamodb_on_demand.write_request_unit_per_million = 0.0;
        table.cloudfront =
            CloudFrontPrices { https_request_per_10k: 0.0, transfer_out_per_gb: 0.0, transfer_to_origin_per_gb: 0.0 };
        table.s3 = S3Prices { storage_gb_month: 0.0, put_request_per_1k: 0.0, get_request_per_1k: 0.0 };
        table.sqs.request_per_million = 0.0;
        table
    }

    /// Lambda at round prices a reader can check by hand (0.2 per million invocations, 0.00001 per GB-second),
    /// every function with 1 GB.
    fn round_lambda() -> LambdaPrices {
        LambdaPrices {
            architecture: "x86_64".to_owned(),
            request_per_million: 0.2,
            gb_second: 0.00001,
            edge_resolver_memory_mb: 1024.0,
            origin_api_memory_mb: 1024.0,
            click_counter_memory_mb: 1024.0,
        }
    }

    /// Asserts that `bill` adds up to `expected`, to a billionth.
    #[track_caller]
    fn assert_total(bill: &Bill, expected: f64) {
        assert!((bill.total() - expected).abs() < 1e-9, "expected {expected}, got {bill:?}");
    }

    #[test]
    fn the_committed_table_parses_and_is_for_mumbai() {
        let table = PriceTable::committed();
        assert!(table.region.contains("ap-south-1"));
        assert!(!table.checked.is_empty() && !table.source.is_empty());
    }

    #[test]
    fn redirects_answered_at_the_edge_cost_only_cloudfront() {
        let table = PriceTable::committed();
        let bill = per_million_redirects(
            &table,
            &RedirectMeasure { edge_hit_share: 1.0, store_read_share: 1.0, billed_ms: 5.0, response_bytes: 500.0 },
        );
        let expected = 100.0 * table.cloudfront.https_request_per_10k + 0.5 * table.cloudfront.transfer_out_per_gb;
        assert_total(&bill, expected);
    }

    #[test]
    fn redirects_that_reach_the_store_add_lambda_and_dynamodb() {
        let mut table = free_table();
        table.lambda = round_lambda();
        table.dynamodb_on_demand.read_request_unit_per_million = 0.25;
        table.dynamodb_on_demand.eventually_consistent_read_units = 0.5;
        // Half reach the Lambda: 500,000 invocations x (0.2 / M + 1 GB x 0.002 s x 0.00001) = 0.1 + 0.01;
        // a tenth of those read: 50,000 x 0.5 RRU x 0.25 / M = 0.00625.
        let bill = per_million_redirects(
            &table,
            &RedirectMeasure { edge_hit_share: 0.5, store_read_share: 0.1, billed_ms: 2.0, response_bytes: 0.0 },
        );
        assert_total(&bill, 0.11625);
    }

    #[test]
    fn a_million_creates_pay_every_service_once_each() {
        let table = PriceTable::committed();
        let bill =
            per_million_creates(&table, &CreateMeasure { billed_ms: 1.0, request_bytes: 0.0, response_bytes: 0.0 });
        let lambda = table.lambda.request_per_million
            + MILLION * table.lambda.origin_api_memory_mb / 1024.0 * 0.001 * table.lambda.gb_second;
        let expected = 100.0 * table.cloudfront.https_request_per_10k
            + table.api_gateway_http.request_per_million
            + lambda
            + table.dynamodb_on_demand.write_units * table.dynamodb_on_demand.write_request_unit_per_million;
        assert_total(&bill, expected);
    }

    #[test]
    fn counting_pays_per_log_file_and_per_id_and_day_never_per_click() {
        let mut table = free_table();
        table.click_counting.clicks_per_log_file = 1000.0;
        table.click_counting.id_days_per_log_file = 100.0;
        table.dynamodb_on_demand.write_request_unit_per_million = 1.0;
        table.dynamodb_on_demand.transactional_write_units = 2.0;
        table.dynamodb_on_demand.write_units = 1.0;
        // 1,000 files; each: 100 counts in two transactions (99 + 1), so 2 markers: 102 items x 2 WRU, plus 1 WRU
        // for countedUntil = 205 WRU; 205,000 WRU at 1 per M = 0.205.
        let bill = per_million_clicks_counted(&table);
        assert_total(&bill, 0.205);
        // Ten times the clicks per file, the same IDs: a tenth of the files, a tenth of the writes.
        table.click_counting.clicks_per_log_file = 10_000.0;
        assert_total(&per_million_clicks_counted(&table), 0.0205);
    }

    #[test]
    fn counting_a_file_pays_its_put_get_notification_and_one_invocation() {
        let mut table = free_table();
        table.click_counting.clicks_per_log_file = 500.0;
        table.s3.put_request_per_1k = 0.005;
        table.s3.get_request_per_1k = 0.0004;
        table.sqs.request_per_million = 0.4;
        table.click_counting.sqs_requests_per_log_file = 3.0;
        table.lambda = round_lambda();
        table.click_counting.billed_ms_per_log_file = 100.0;
        // 2,000 files: S3 2 x (0.005 + 0.0004) = 0.0108; SQS 6,000 x 0.4 / M = 0.0024;
        // Lambda 2,000 x (0.2 / M + 1 GB x 0.1 s x 0.00001) = 0.0004 + 0.002.
        let bill = per_million_clicks_counted(&table);
        let storage = bill.lines.iter().find(|l| l.item == "S3 log storage").map(|l| l.cost);
        assert_total(&bill, storage.unwrap_or_default() + 0.0156);
    }

    #[test]
    fn log_storage_is_the_logged_bytes_kept_for_the_retention() {
        let mut table = free_table();
        table.s3.storage_gb_month = 0.025;
        table.click_counting.log_bytes_per_click = 60.0;
        table.click_counting.log_retention_days = 30.0;
        // 1M x 60 bytes = 0.06 GB, kept a month: 0.06 x 0.025 = 0.0015.
        let bill = per_million_clicks_counted(&table);
        assert_total(&bill, 0.0015);
        table.click_counting.log_retention_days = 7.0;
        assert_total(&per_million_clicks_counted(&table), 0.0015 * 7.0 / 30.0);
    }

    #[test]
    fn with_the_committed_table_counting_costs_a_fraction_of_the_redirects_it_counts() {
        let table = PriceTable::committed();
        let redirects = per_million_redirects(
            &table,
            &RedirectMeasure { edge_hit_share: 0.9, store_read_share: 0.1, billed_ms: 2.0, response_bytes: 250.0 },
        );
        let counting = per_million_clicks_counted(&table).total();
        assert!(counting > 0.0 && counting < 0.25 * redirects.total(), "{counting} on {}", redirects.total());
    }

    #[test]
    fn a_table_with_a_misspelt_field_is_refused() {
        let edited = DEFAULT_TABLE.replace("\"gb_second\"", "\"gb_seconds\"");
        assert!(PriceTable::parse(&edited).is_err());
    }
}
