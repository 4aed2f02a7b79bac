namespace EmbedSharp.Autograd;

/// <summary>
/// Whether operations record a graph. The only ambient state of autograd, and it is per thread: inside
/// <c>using (Grad.Disable()) { … }</c> operations compute their values and record nothing (evaluation, optimiser
/// updates). torch: <c>torch.no_grad()</c>.
/// </summary>
public static class Grad
{
    [ThreadStatic]
    private static int t_disabled;

    [ThreadStatic]
    private static int t_anomaly;

    /// <summary>True while a <see cref="DetectAnomaly"/> scope is open on this thread.
    /// torch: <c>torch.is_anomaly_enabled()</c>.</summary>
    public static bool AnomalyDetectionEnabled => t_anomaly > 0;

    /// <summary>Until the returned scope is disposed, backward runs on this thread check every gradient an operation
    /// returns and throw, naming the operation, at the first NaN or ±∞ (so a loss that became NaN can be traced to the
    /// op that made it). Costs one pass over each gradient. torch: <c>torch.autograd.detect_anomaly()</c>.</summary>
    public static AnomalyScope DetectAnomaly()
    {
        t_anomaly++;
        return new AnomalyScope(Environment.CurrentManagedThreadId);
    }

    /// <summary>True unless a <see cref="Disable"/> scope is open on this thread. torch: <c>torch.is_grad_enabled()</c>.</summary>
    public static bool IsEnabled => t_disabled == 0;

    /// <summary>Stops recording on this thread until the returned scope is disposed (scopes nest).</summary>
    public static NoGradScope Disable()
    {
        t_disabled++;
        return new NoGradScope(Environment.CurrentManagedThreadId);
    }

    /// <summary>The scope of <see cref="Disable"/>: dispose it on the thread that opened it.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        private readonly int _thread;

        internal NoGradScope(int thread) => _thread = thread;

        /// <summary>Ends the scope.</summary>
        public void Dispose()
        {
            if (_thread != Environment.CurrentManagedThreadId)
            {
                throw new InvalidOperationException("A no-grad scope must be disposed on the thread that opened it.");
            }

            t_disabled--;
        }
    }

    /// <summary>The scope of <see cref="DetectAnomaly"/>: dispose it on the thread that opened it.</summary>
    public readonly struct AnomalyScope : IDisposable
    {
        private readonly int _thread;

        internal AnomalyScope(int thread) => _thread = thread;

        /// <summary>Ends the scope.</summary>
        public void Dispose()
        {
            if (_thread != Environment.CurrentManagedThreadId)
            {
                throw new InvalidOperationException("An anomaly-detection scope must be disposed on the thread that opened it.");
            }

            t_anomaly--;
        }
    }
}
