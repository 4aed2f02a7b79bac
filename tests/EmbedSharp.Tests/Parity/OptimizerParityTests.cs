using System.Globalization;
using System.Text.Json;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;
using Xunit.Abstractions;

namespace EmbedSharp.Tests.Parity;

/// <summary>
/// Replays tests/data/optim/cases.json (made by tools/goldens/make_optim.py with PyTorch 1.13, AVX2): initial
/// parameters, parameter groups, ten steps of stored gradients (dense, or sparse with duplicate rows) and the parameters
/// after every step. Cases marked exact must match bit for bit; the others (SGD momentum on sparse gradients, whose
/// float order differs from PyTorch's growing sparse buffer by design) within <see cref="InexactTolerance"/>.
/// Also replays the LR schedule values of tests/data/optim/schedules.json, bit for bit in double.
/// </summary>
public sealed class OptimizerParityTests(ITestOutputHelper output)
{
    /// <summary>Relative tolerance (to max(|expected|, 1)) for the cases not documented as bit-exact.</summary>
    private const double InexactTolerance = 1e-6;

    private static readonly Lazy<JsonDocument> Cases = new(() => Load("cases.json"));
    private static readonly Lazy<JsonDocument> Schedules = new(() => Load("schedules.json"));

    public static TheoryData<int, string> CaseNames() => Names(Cases.Value, "cases");

    public static TheoryData<int, string> ScheduleNames() => Names(Schedules.Value, "schedules");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Optimizer_case_matches_pytorch_after_every_step(int index, string name)
    {
        var c = Cases.Value.RootElement.GetProperty("cases")[index];
        var exact = c.GetProperty("exact").GetBoolean();
        var parameters = new Dictionary<string, Parameter>();
        var roles = new Dictionary<string, JsonElement>();
        foreach (var p in c.GetProperty("params").EnumerateArray())
        {
            var pname = p.GetProperty("name").GetString()!;
            var shape = p.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var param = new Parameter(FloatTensor.FromSpan(Bits(p.GetProperty("init").GetString()!), shape));
            if (Role(p) == "no_grad")
            {
                param.RequiresGrad = false;
            }

            if (Role(p) == "frozen_rows")
            {
                param.SetRowsFrozen(p.GetProperty("rows").EnumerateArray().Select(e => e.GetInt64()).ToArray());
            }

            parameters[pname] = param;
            roles[pname] = p;
        }

        var optimizer = Build(c.GetProperty("optimizer").GetString()!, c.GetProperty("groups"), parameters);
        double maxAbs = 0, maxRel = 0;
        long maxUlp = 0;
        var stepIndex = 0;
        foreach (var step in c.GetProperty("steps").EnumerateArray())
        {
            foreach (var p in parameters.Values)
            {
                p.ZeroGrad();
            }

            foreach (var g in step.GetProperty("grads").EnumerateObject())
            {
                var p = parameters[g.Name];
                if (g.Value.TryGetProperty("dense", out var dense))
                {
                    p.DenseGradForAccumulation().CopyFrom(Bits(dense.GetString()!));
                }
                else
                {
                    var values = Bits(g.Value.GetProperty("values").GetString()!);
                    var sparse = p.SparseGradForAccumulation();
                    var k = 0;
                    foreach (var row in g.Value.GetProperty("indices").EnumerateArray())
                    {
                        sparse.Append(row.GetInt64(), values.AsSpan(k * sparse.RowLength, sparse.RowLength));
                        k++;
                    }
                }
            }

            optimizer.Step();
            foreach (var after in step.GetProperty("after").EnumerateObject())
            {
                var expected = Bits(after.Value.GetString()!);
                var actual = parameters[after.Name].Value.ToArray();
                var where = $"{name}, step {stepIndex + 1}, parameter {after.Name}";
                for (var i = 0; i < expected.Length; i++)
                {
                    var e = expected[i];
                    var a = actual[i];
                    var abs = Math.Abs((double)a - e);
                    var ulp = Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(e));
                    var rel = abs / Math.Max(Math.Abs((double)e), 1.0);
                    maxAbs = Math.Max(maxAbs, abs);
                    maxRel = Math.Max(maxRel, rel);
                    maxUlp = Math.Max(maxUlp, ulp);
                    var ok = exact ? BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(e) : rel <= InexactTolerance;
                    Assert.True(
                        ok,
                        $"{where}: first mismatch at element {i}: expected {e:R} (0x{BitConverter.SingleToInt32Bits(e):x8}), got {a:R} (0x{BitConverter.SingleToInt32Bits(a):x8}), {ulp} ulp; max diff so far {maxAbs:G3} abs, {maxRel:G3} rel, {maxUlp} ulp.");
                }
            }

            stepIndex++;
        }

        output.WriteLine($"{name}: {(exact ? "bit-exact" : "tolerance")}, max diff {maxAbs:G3} abs, {maxRel:G3} rel, {maxUlp} ulp over {stepIndex} steps.");
    }

    [Theory]
    [MemberData(nameof(ScheduleNames))]
    public void Schedule_matches_pytorch_bit_for_bit(int index, string name)
    {
        var s = Schedules.Value.RootElement.GetProperty("schedules")[index];
        var baseLrs = s.GetProperty("base_lrs").EnumerateArray().Select(e => Double(e.GetString()!)).ToArray();
        var groups = baseLrs.Select(lr => new ParameterGroup<SgdOptions>([new Parameter(new FloatTensor(1))], new SgdOptions { Lr = lr })).ToArray();
        var optimizer = new Sgd(groups);
        var args = s.GetProperty("args");
        LrScheduler scheduler = s.GetProperty("kind").GetString() switch
        {
            "step" => new StepLR(optimizer, args.GetProperty("step_size").GetInt32(), args.GetProperty("gamma").GetDouble()),
            "linear" => new LinearLR(optimizer, args.GetProperty("start_factor").GetDouble(), args.GetProperty("end_factor").GetDouble(), args.GetProperty("total_iters").GetInt32()),
            _ => new LinearDecayLR(optimizer, args.GetProperty("total_steps").GetInt64()),
        };
        var epoch = 0;
        foreach (var lrs in s.GetProperty("lrs").EnumerateArray())
        {
            if (epoch > 0)
            {
                optimizer.Step();
                scheduler.Step();
            }

            var g = 0;
            foreach (var lr in lrs.EnumerateArray())
            {
                var expected = Double(lr.GetString()!);
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(groups[g].Lr),
                    $"{name}, epoch {epoch}, group {g}: expected lr {expected:R}, got {groups[g].Lr:R} (diff {groups[g].Lr - expected:G3}).");
                Assert.Equal(groups[g].Lr, scheduler.LastLrs[g]);
                g++;
            }

            epoch++;
        }
    }

    private static Optimizer Build(string kind, JsonElement groupsJson, Dictionary<string, Parameter> parameters)
    {
        var groups = groupsJson.EnumerateArray().ToList();
        var defaults = groups[0].GetProperty("options");
        List<Parameter> Members(JsonElement g) => g.GetProperty("params").EnumerateArray().Select(n => parameters[n.GetString()!]).ToList();
        double Get(JsonElement g, string key, double fallback) =>
            g.GetProperty("options").TryGetProperty(key, out var v) ? v.GetDouble() : defaults.TryGetProperty(key, out var d) ? d.GetDouble() : fallback;
        bool Flag(JsonElement g, string key) =>
            g.GetProperty("options").TryGetProperty(key, out var v) ? v.GetBoolean() : defaults.TryGetProperty(key, out var d) && d.GetBoolean();
        double Beta(JsonElement g, int i, double fallback) =>
            g.GetProperty("options").TryGetProperty("betas", out var v) ? v[i].GetDouble() : defaults.TryGetProperty("betas", out var d) ? d[i].GetDouble() : fallback;

        switch (kind)
        {
            case "sgd":
                return new Sgd(groups.Select(g => new ParameterGroup<SgdOptions>(Members(g), new SgdOptions
                {
                    Lr = Get(g, "lr", 1e-3),
                    Momentum = Get(g, "momentum", 0),
                    Dampening = Get(g, "dampening", 0),
                    Nesterov = Flag(g, "nesterov"),
                    WeightDecay = Get(g, "weight_decay", 0),
                    Maximize = Flag(g, "maximize"),
                })));
            case "adam":
            case "adamw":
                var adam = groups.Select(g => new ParameterGroup<AdamOptions>(Members(g), new AdamOptions
                {
                    Lr = Get(g, "lr", 1e-3),
                    Beta1 = Beta(g, 0, 0.9),
                    Beta2 = Beta(g, 1, 0.999),
                    Eps = Get(g, "eps", 1e-8),
                    WeightDecay = Get(g, "weight_decay", kind == "adamw" ? 1e-2 : 0),
                    Amsgrad = Flag(g, "amsgrad"),
                    Maximize = Flag(g, "maximize"),
                })).ToList();
                return kind == "adam" ? new Adam(adam) : new AdamW(adam);
            case "adagrad":
                return new Adagrad(groups.Select(g => new ParameterGroup<AdagradOptions>(Members(g), new AdagradOptions
                {
                    Lr = Get(g, "lr", 1e-2),
                    LrDecay = Get(g, "lr_decay", 0),
                    WeightDecay = Get(g, "weight_decay", 0),
                    InitialAccumulatorValue = Get(g, "initial_accumulator_value", 0),
                    Eps = Get(g, "eps", 1e-10),
                    Maximize = Flag(g, "maximize"),
                })));
            case "sparse_adam":
                return new SparseAdam(groups.Select(g => new ParameterGroup<SparseAdamOptions>(Members(g), new SparseAdamOptions
                {
                    Lr = Get(g, "lr", 1e-3),
                    Beta1 = Beta(g, 0, 0.9),
                    Beta2 = Beta(g, 1, 0.999),
                    Eps = Get(g, "eps", 1e-8),
                    Maximize = Flag(g, "maximize"),
                })));
            default:
                throw new InvalidDataException($"Unknown optimizer '{kind}' in cases.json.");
        }
    }

    private static string? Role(JsonElement p) => p.TryGetProperty("role", out var r) ? r.GetString() : null;

    private static float[] Bits(string hex)
    {
        var values = new float[hex.Length / 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle((int)uint.Parse(hex.AsSpan(i * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }

        return values;
    }

    private static double Double(string hex) =>
        BitConverter.Int64BitsToDouble((long)ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static JsonDocument Load(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "optim", file)));

    private static TheoryData<int, string> Names(JsonDocument doc, string key)
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty(key).EnumerateArray())
        {
            data.Add(i++, c.GetProperty("name").GetString()!);
        }

        return data;
    }
}
