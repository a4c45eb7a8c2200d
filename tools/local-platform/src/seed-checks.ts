/**
 * The seed playbook's manual checks (3.4 Data API, 4.3 model, 5.3 Agent API,
 * 6.1 the end-to-end script), corrected for this platform: its ports instead
 * of port-forwards, the model server's /v1 path on its own port (the seed's
 * 6.1 asks port 8002 for /api/v1/models), the served model's name instead of
 * a Qwen model that does not exist, and a registration of an object that is
 * really in the bucket (the seed registers customer_data.csv, which it never
 * uploads; the bootstrap uploads its 3.2 sales_data.csv).
 */

export interface SeedEndpoints {
  dataApi: string;
  agentApi: string;
  /** The OpenAI-compatible base URL, without /v1. */
  model: string;
  /** The model id the server serves (asked of /v1/models when MODEL_NAME was not given). */
  modelName: string;
}

export interface SeedCheck {
  section: string;
  title: string;
  command: string;
}

const json = (value: unknown) => `'${JSON.stringify(value).replace(/'/g, `'\\''`)}'`;

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

/** The seed's 6.1 /tmp/poc-test.sh with this platform's URLs; unlike the seed's, it exits 1 when a check fails. */
export function pocTestScript(e: SeedEndpoints): string {
  return `#!/usr/bin/env bash
# The seed playbook's 6.1 check script for this local platform (written by \`npm run platform -- up\`).
failed=0
echo "=== ONE-DATA-STUDIO PoC 集成验证 ==="
echo

echo "[1/4] 测试 Data API..."
DATA_URL="${e.dataApi}"
response=$(curl -s "$DATA_URL/api/v1/health")
if echo "$response" | grep -q "healthy"; then
    echo "✓ Data API 正常"
else
    echo "✗ Data API 异常"; failed=1
fi
echo

echo "[2/4] 测试 Model 模型服务..."
MODEL_URL="${e.model}"
response=$(curl -s "$MODEL_URL/v1/models")
if echo "$response" | grep -qF ${json(e.modelName)}; then
    echo "✓ Model 模型服务正常"
    echo "  可用模型:"
    echo "$response" | grep -o '"id":"[^"]*"' | head -3
else
    echo "✗ Model 模型服务异常"; failed=1
fi
echo

echo "[3/4] 测试 Agent 应用层..."
AGENT_URL="${e.agentApi}"
response=$(curl -s "$AGENT_URL/api/v1/health")
if echo "$response" | grep -q "healthy"; then
    echo "✓ Agent API 正常"
else
    echo "✗ Agent API 异常"; failed=1
fi
echo

echo "[4/4] 测试端到端调用..."
response=$(curl -s -X POST "$AGENT_URL/api/v1/chat" \\
  -H "Content-Type: application/json" \\
  -d '{"message": "2+2等于几？"}')
if echo "$response" | grep -q "4"; then
    echo "✓ 端到端调用成功"
    echo "  模型回复:"
    echo "$response" | grep -o '"reply":"[^"]*"' | cut -d'"' -f4
else
    echo "✗ 端到端调用失败"; failed=1
    echo "  响应: $response"
fi
echo

echo "=== 验证完成 ==="
exit $failed
`;
}
