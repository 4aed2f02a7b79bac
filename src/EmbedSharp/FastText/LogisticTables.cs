namespace EmbedSharp.FastText;

/// <summary>
/// fastText's lookup tables for the sigmoid and the logarithm (fastText 0.9.2 <c>Loss</c>: 512 + 1 entries each,
/// sigmoid clamped to 0 below −8 and 1 above 8). We keep the tables rather than exact math so that the loss and the
/// gradient step follow fastText's quantisation (steps of 1/32 in the score's argument); they also cost less than exp.
/// </summary>
internal static class LogisticTables
{
    public const int SigmoidTableSize = 512;
    public const int MaxSigmoid = 8;
    public const int LogTableSize = 512;

    private static readonly float[] SigmoidTable = CreateSigmoid();
    private static readonly float[] LogTable = CreateLog();

    /// <summary>σ(x) from the table: 0 for x &lt; −8, 1 for x &gt; 8, else t[(int)((x + 8)·512/8/2)].</summary>
    public static float Sigmoid(float x)
    {
        if (x < -MaxSigmoid)
        {
            return 0f;
        }

        if (x > MaxSigmoid)
        {
            return 1f;
        }

        return SigmoidTable[(int)((x + MaxSigmoid) * SigmoidTableSize / MaxSigmoid / 2)];
    }

    /// <summary>log(x) from the table for x in [0, 1]: t[(int)(x·512)], 0 for x &gt; 1.</summary>
    public static float Log(float x)
    {
        if (x > 1f)
        {
            return 0f;
        }

        return LogTable[(int)(x * LogTableSize)];
    }

    private static float[] CreateSigmoid()
    {
        var t = new float[SigmoidTableSize + 1];
        for (var i = 0; i <= SigmoidTableSize; i++)
        {
            var x = ((float)(i * 2 * MaxSigmoid) / SigmoidTableSize) - MaxSigmoid;
            t[i] = (float)(1.0 / (1.0 + Math.Exp(-x)));
        }

        return t;
    }

    private static float[] CreateLog()
    {
        var t = new float[LogTableSize + 1];
        for (var i = 0; i <= LogTableSize; i++)
        {
            var x = ((float)i + 1e-5) / LogTableSize;
            t[i] = (float)Math.Log(x);
        }

        return t;
    }
}
