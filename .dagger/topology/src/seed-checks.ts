/**
 * The seed playbook's manual checks (3.4 Data API, 4.3 model, 5.3 Agent API,
 * 6.1 the end-to-end script), corrected for this platform, for the local
 * platform (`npm run platform`) and the deployed one (`dagger call
 * seed-checks`) alike: its ports instead
 * of port-forwards, the model server's /v1 path on its own port (the seed's
 * 6.1 asks port 8002 for /api/v1/models), the served model's name instead of
 * a Qwen model that does not exist, and a registration of an object that is
 * really in the bucket (the seed registers customer_data.csv, which it never
 * uploads; the bootstrap uploads its 3.2 sales_data.csv).
 */

/** A word for bash: as it is when it holds nothing bash reads specially, else in single quotes. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface SeedEndpoints {
  dataApi: string;
  agentApi: string;
  /** The OpenAI-compatible base URL, without /v1. */
  model: string;
  /** The model id the server serves (asked of /v1/models when MODEL_NAME was not given). */
  modelName: string;
}

/** @public The local platform prints these (tools/local-platform); knip does not follow that workspace's import into .dagger/. */
export interface SeedCheck {
  section: string;
  title: string;
  command: string;
}

const json = (value: unknown) => shellQuote(JSON.stringify(value));

/** @public The seed's checks with this platform's URLs, printed by the local platform (tools/local-platform). */
export function seedChecks(e: SeedEndpoints, pocScriptPath: string): SeedCheck[] {
  return [
    { section: "3.4", title: "Data API health", command: `curl -s ${e.dataApi}/api/v1/health` },
    { section: "3.4", title: "Data API dataset list", command: `curl -s ${e.dataApi}/api/v1/datasets` },
    {
      section: "3.4",
      title: "register a dataset (the seed's 3.2 CSV, which the bootstrap put in the bucket)",
      command: `curl -s -X POST ${e.dataApi}/api/v1/datasets -H 'Content-Type: application/json' -d ${json({
        name: "customer_data_v1.0",
        storage_path: "s3://test-datasets/sales_data.csv",
        format: "csv",
      })}`,
    },
    { section: "4.3", title: "models the model server serves", command: `curl -s ${e.model}/v1/models` },
    {
      section: "4.3",
      title: "chat completion",
      command:
        `curl -s -X POST ${e.model}/v1/chat/completions -H 'Content-Type: application/json' -d ` +
        json({ model: e.modelName, messages: [{ role: "user", content: "你好，请介绍一下自己。" }], max_tokens: 100 }),
    },
    { section: "5.3", title: "Agent API health", command: `curl -s ${e.agentApi}/api/v1/health` },
    {
      section: "5.3",
      title: "chat (the Agent calls the model)",
      command: `curl -s -X POST ${e.agentApi}/api/v1/chat -H 'Content-Type: application/json' -d ${json({ message: "你好" })}`,
    },
    { section: "5.3", title: "dataset list through the Agent (it calls the Data API)", command: `curl -s ${e.agentApi}/api/v1/datasets` },
    { section: "6.1", title: "the end-to-end script", command: `bash ${pocScriptPath}` },
  ];
}

/**
 * Prints the string values at a dotted path of the JSON on stdin, one a line
 * (`[]` after a segment: each element of that array); exits 1 when the input
 * is not JSON. Node is there wherever the platform ran, jq may not be.
 */
const jsonValuesFunction = String.raw`json_values() {
    node -e '
let value;
try { value = [JSON.parse(require("fs").readFileSync(0, "utf8"))]; } catch { process.exit(1); }
for (const segment of process.argv[1].split(".")) {
  const each = segment.endsWith("[]");
  const key = each ? segment.slice(0, -2) : segment;
  value = value.map((v) => (v !== null && typeof v === "object" ? v[key] : undefined));
  if (each) value = value.flatMap((v) => (Array.isArray(v) ? v : []));
}
for (const v of value) if (typeof v === "string" || typeof v === "number") console.log(v);
' "$1"
}`;

/**
 * The seed's 6.1 /tmp/poc-test.sh with this platform's URLs and its output,
 * but not its checks: the seed greps whole bodies ("4" anywhere passes a 504
 * whose code is 50401). Each check here asserts the HTTP status and the
 * envelope's fields; the end-to-end one asserts that the reply holds the sum
 * the script computes from the question's operands as a number of its own.
 * Exits 1 when any check fails.
 */
export function pocTestScript(e: SeedEndpoints): string {
  return `#!/usr/bin/env bash
# The seed playbook's 6.1 check script for this platform (written by \`npm run platform -- up\`, run by \`dagger call seed-checks\`).
failed=0
${jsonValuesFunction}

# request METHOD URL [JSON]: sets status and body; status 000 when nothing answered.
request() {
    local out
    if [ $# -ge 3 ]; then
        out=$(curl -s -m 300 -X "$1" "$2" -H "Content-Type: application/json" -d "$3" -w '\\n%{http_code}')
    else
        out=$(curl -s -m 60 -X "$1" "$2" -w '\\n%{http_code}')
    fi
    status=\${out##*$'\\n'}
    body=\${out%$'\\n'*}
    if [ "$status" = "$out" ]; then body=""; fi
}

# healthy: the seed's health contract, status 200 and {"code":0,"message":"healthy"}.
healthy() {
    [ "$status" = 200 ] && [ "$(json_values code <<<"$body")" = 0 ] && [ "$(json_values message <<<"$body")" = healthy ]
}

echo "=== ONE-DATA-STUDIO PoC 集成验证 ==="
echo

echo "[1/4] 测试 Data API..."
DATA_URL="${e.dataApi}"
request GET "$DATA_URL/api/v1/health"
if healthy; then
    echo "✓ Data API 正常"
else
    echo "✗ Data API 异常"; failed=1
    echo "  响应: HTTP $status $body"
fi
echo

echo "[2/4] 测试 Model 模型服务..."
MODEL_URL="${e.model}"
MODEL_NAME=${shellQuote(e.modelName)}
request GET "$MODEL_URL/v1/models"
model_ids=$(json_values "data[].id" <<<"$body")
if [ "$status" = 200 ] && grep -qxF "$MODEL_NAME" <<<"$model_ids"; then
    echo "✓ Model 模型服务正常"
    echo "  可用模型:"
    head -3 <<<"$model_ids" | sed 's/^/  /'
else
    echo "✗ Model 模型服务异常"; failed=1
    echo "  响应: HTTP $status $body"
fi
echo

echo "[3/4] 测试 Agent 应用层..."
AGENT_URL="${e.agentApi}"
request GET "$AGENT_URL/api/v1/health"
if healthy; then
    echo "✓ Agent API 正常"
else
    echo "✗ Agent API 异常"; failed=1
    echo "  响应: HTTP $status $body"
fi
echo

echo "[4/4] 测试端到端调用..."
a=2; b=2
sum=$((a + b))
zh_digits=(零 一 二 三 四 五 六 七 八 九)
request POST "$AGENT_URL/api/v1/chat" "{\\"message\\": \\"\${a}+\${b}等于几？\\"}"
reply=$(json_values data.reply <<<"$body")
if [ "$status" = 200 ] && [ "$(json_values code <<<"$body")" = 0 ] \\
    && grep -Eq "(^|[^0-9])\${sum}([^0-9]|\\$)|\${zh_digits[sum]}" <<<"$reply"; then
    echo "✓ 端到端调用成功"
    echo "  模型回复:"
    echo "$reply"
else
    echo "✗ 端到端调用失败 (期望 HTTP 200、code 0，回复中含 \${sum})"; failed=1
    echo "  响应: HTTP $status $body"
fi
echo

echo "=== 验证完成 ==="
exit $failed
`;
}
