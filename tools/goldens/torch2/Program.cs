// libtorch 2.10 reference harness for EmbedSharp (tools only; not part of EmbedSharp.slnx).
// Runs PyTorch's own CPU kernels through TorchSharp-cpu 0.107.0 (libtorch 2.10.0) and writes the results to a file.
// Start it through run.sh, which builds it outside the repository and preloads the libstdc++ shim.
//
// Commands (all output is little-endian; JSON numbers are exact: floats as uint32 bits, doubles round-trip):
//   info <out.json>
//       torch version, MKL version string, VML mode, thread count.
//   erfinv <in.f32> <out.f32> <mode>
//       mode torch    : Tensor.erfinv_() on a contiguous float32 tensor (what nn.init.trunc_normal_ runs)
//       mode torch_oop: torch.erfinv(t) (out of place)
//       mode mkl_ha / mkl_la / mkl_ep: MKL VML vmsErfInv called directly (exported by libtorch_cpu.so),
//                       with VML_HA|VML_FTZDAZ_OFF|VML_ERRMODE_IGNORE (the flags ATen's vml.h passes), or LA / EP.
//   sweep <first_bits> <count> <out.f32> <mode>
//       like erfinv, on the float32 values whose bit patterns are first_bits, first_bits+1, ... (count of them).
//   trunc_normal <spec.json> <out.json>
//       spec: [{"seed":s,"shape":[..],"lo":2l-1,"hi":2u-1,"scale":std*sqrt(2),"mean":m,"a":a,"b":b}, ...]
//       (lo/hi/scale computed by the caller in Python double exactly as torch/nn/init.py does). For each case:
//       torch.manual_seed(seed); t = empty(shape, float32); t.uniform_(lo, hi); t.erfinv_(); t.mul_(scale);
//       t.add_(mean); t.clamp_(a, b). Output: the same list with "bits" (uint32 per element, row-major) added.
//   ops <spec.json> <out.json>
//       spec: [{"seed":s,"shape":[..],"ops":[["uniform_",from,to] | ["normal_",mean,std], ...]}, ...]: for each case
//       torch.manual_seed(seed); t = empty(shape, float32); the listed in-place ops in order (as nn.init's uniform_,
//       normal_, xavier_*, kaiming_* end up calling them), or ["orthogonal_",gain,0] for torch/nn/init.py's
//       orthogonal_ (normal_(0,1) on a rows x cols matrix, transposed if rows < cols, torch.linalg.qr, q *= sign(diag r),
//       transposed back, copied, mul_(gain)). Output: the list with "bits" added.
//   randperm <n> <seed> <out.json>
//       torch.manual_seed(seed); torch.randperm(n) (int64): sha256 of the little-endian int64 values, first/last 32.
//   time-* : peer timings for the benchmarks, see Timing.cs.
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

internal static class Program
{
    private const long VmlLa = 0x1;
    private const long VmlHa = 0x2;
    private const long VmlEp = 0x3;
    private const long VmlFtzDazOff = 0x140000;
    private const long VmlErrModeIgnore = 0x100;

    [DllImport("libtorch_cpu.so", EntryPoint = "vmsErfInv")]
    private static extern unsafe void VmsErfInv(int n, float* a, float* r, long mode);

    [DllImport("libtorch_cpu.so", EntryPoint = "MKL_Get_Version_String")]
    private static extern unsafe void MklGetVersionString(byte* buffer, int length);

    [DllImport("libtorch_cpu.so", EntryPoint = "vmlGetMode")]
    private static extern uint VmlGetMode();

    private static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: info|erfinv|sweep|trunc_normal|randperm ... (see Program.cs)");
            return 2;
        }

        torch.set_num_threads(1);
        switch (args[0])
        {
            case "info":
                Info(args[1]);
                break;
            case "erfinv":
                {
                    float[] input = ReadF32(args[1]);
                    WriteF32(args[2], Erfinv(input, args[3]));
                    break;
                }

            case "sweep":
                Sweep((uint)ParseInteger(args[1]), ParseInteger(args[2]), args[3], args[4]);
                break;
            case "trunc_normal":
                TruncNormal(args[1], args[2]);
                break;
            case "ops":
                Ops(args[1], args[2]);
                break;
            case "randperm":
                Randperm(long.Parse(args[1], CultureInfo.InvariantCulture), long.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
                break;
            case "time-init":
                Timing.Init(args[1], ParseInteger(args[2]), ParseInteger(args[3]), int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
                break;
            case "time-embedding":
                Timing.Embedding(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
                break;
            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                return 2;
        }

        return 0;
    }

    private static unsafe void Info(string outPath)
    {
        byte[] buffer = new byte[512];
        fixed (byte* p = buffer)
        {
            MklGetVersionString(p, buffer.Length);
        }

        string mkl = Encoding.ASCII.GetString(buffer).TrimEnd('\0', ' ');
        var o = new JsonObject
        {
            ["torch"] = torch.__version__,
            ["mkl"] = mkl,
            ["vml_mode"] = VmlGetMode(),
            ["threads"] = torch.get_num_threads(),
            ["env_MKL_CBWR"] = Environment.GetEnvironmentVariable("MKL_CBWR"),
            ["env_MKL_ENABLE_INSTRUCTIONS"] = Environment.GetEnvironmentVariable("MKL_ENABLE_INSTRUCTIONS"),
            ["env_ATEN_CPU_CAPABILITY"] = Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY"),
        };
        File.WriteAllText(outPath, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static unsafe float[] Erfinv(float[] input, string mode)
    {
        if (mode.StartsWith("mkl_", StringComparison.Ordinal))
        {
            long acc = mode switch
            {
                "mkl_ha" => VmlHa,
                "mkl_la" => VmlLa,
                "mkl_ep" => VmlEp,
                _ => throw new ArgumentException($"unknown mode '{mode}'"),
            };
            float[] result = new float[input.Length];
            fixed (float* a = input)
            fixed (float* r = result)
            {
                const int Chunk = 1 << 24;
                for (int off = 0; off < input.Length; off += Chunk)
                {
                    VmsErfInv(Math.Min(Chunk, input.Length - off), a + off, r + off, acc | VmlFtzDazOff | VmlErrModeIgnore);
                }
            }

            return result;
        }

        using var scope = torch.NewDisposeScope();
        Tensor t = torch.tensor(input, dtype: ScalarType.Float32);
        Tensor o = mode switch
        {
            "torch" => t.erfinv_(),
            "torch_oop" => torch.erfinv(t),
            _ => throw new ArgumentException($"unknown mode '{mode}'"),
        };
        return o.data<float>().ToArray();
    }

    private static void Sweep(uint first, long count, string outPath, string mode)
    {
        const int Chunk = 1 << 22;
        string tmp = outPath + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            float[] input = new float[Chunk];
            for (long done = 0; done < count; done += Chunk)
            {
                int n = (int)Math.Min(Chunk, count - done);
                if (n != input.Length)
                {
                    input = new float[n];
                }

                for (int i = 0; i < n; i++)
                {
                    input[i] = BitConverter.UInt32BitsToSingle((uint)(first + done + i));
                }

                float[] r = Erfinv(input, mode);
                fs.Write(MemoryMarshal.AsBytes(r.AsSpan()));
            }
        }

        File.Move(tmp, outPath, overwrite: true);
    }

    private static void TruncNormal(string specPath, string outPath)
    {
        JsonArray cases = JsonNode.Parse(File.ReadAllText(specPath))!.AsArray();
        foreach (JsonNode? node in cases)
        {
            JsonObject c = node!.AsObject();
            long seed = c["seed"]!.GetValue<long>();
            long[] shape = c["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            double lo = c["lo"]!.GetValue<double>();
            double hi = c["hi"]!.GetValue<double>();
            double scale = c["scale"]!.GetValue<double>();
            double mean = c["mean"]!.GetValue<double>();
            double a = c["a"]!.GetValue<double>();
            double b = c["b"]!.GetValue<double>();
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(seed);
            Tensor t = torch.empty(shape, dtype: ScalarType.Float32);
            t.uniform_(lo, hi);
            t.erfinv_();
            t.mul_(scale);
            t.add_(mean);
            t.clamp_(a, b);
            float[] values = t.data<float>().ToArray();
            var bits = new JsonArray();
            foreach (float v in values)
            {
                bits.Add(BitConverter.SingleToUInt32Bits(v));
            }

            c["bits"] = bits;
        }

        File.WriteAllText(outPath, cases.ToJsonString());
    }

    private static void Ops(string specPath, string outPath)
    {
        JsonArray cases = JsonNode.Parse(File.ReadAllText(specPath))!.AsArray();
        foreach (JsonNode? node in cases)
        {
            JsonObject c = node!.AsObject();
            long[] shape = c["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(c["seed"]!.GetValue<long>());
            Tensor t = torch.empty(shape, dtype: ScalarType.Float32);
            foreach (JsonNode? opNode in c["ops"]!.AsArray())
            {
                JsonArray op = opNode!.AsArray();
                double p = op[1]!.GetValue<double>();
                double q = op[2]!.GetValue<double>();
                switch (op[0]!.GetValue<string>())
                {
                    case "uniform_":
                        t.uniform_(p, q);
                        break;
                    case "normal_":
                        t.normal_(p, q);
                        break;
                    case "orthogonal_":
                        Orthogonal(t, p);
                        break;
                    default:
                        throw new ArgumentException($"unknown op {op[0]}");
                }
            }

            var bits = new JsonArray();
            foreach (float v in t.data<float>().ToArray())
            {
                bits.Add(BitConverter.SingleToUInt32Bits(v));
            }

            c["bits"] = bits;
        }

        File.WriteAllText(outPath, cases.ToJsonString());
    }

    internal static void Orthogonal(Tensor t, double gain)
    {
        long rows = t.shape[0];
        long cols = t.numel() / rows;
        Tensor flat = torch.empty([rows, cols], dtype: ScalarType.Float32).normal_(0, 1);
        if (rows < cols)
        {
            flat = flat.t();
        }

        var (q, r) = torch.linalg.qr(flat);
        Tensor d = torch.diag(r, 0);
        q = q.mul(d.sign());
        if (rows < cols)
        {
            q = q.t();
        }

        t.view_as(q).copy_(q);
        t.mul_(gain);
    }

    private static void Randperm(long n, long seed, string outPath)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(seed);
        Tensor p = torch.randperm(n, dtype: ScalarType.Int64);
        long[] values = p.data<long>().ToArray();
        byte[] hash = SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan()));
        var o = new JsonObject
        {
            ["n"] = n,
            ["seed"] = seed,
            ["sha256_int64_le"] = Convert.ToHexStringLower(hash),
            ["first"] = new JsonArray(values.Take(32).Select(v => (JsonNode)v).ToArray()),
            ["last"] = new JsonArray(values.Skip((int)Math.Max(0, n - 32)).Select(v => (JsonNode)v).ToArray()),
        };
        File.WriteAllText(outPath, o.ToJsonString());
    }

    private static long ParseInteger(string s) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(s, CultureInfo.InvariantCulture);

    private static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static void WriteF32(string path, float[] values)
    {
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        File.Move(tmp, path, overwrite: true);
    }
}
