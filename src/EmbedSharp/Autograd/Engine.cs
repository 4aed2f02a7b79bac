using System.Numerics.Tensors;
using EmbedSharp.Numerics;

namespace EmbedSharp.Autograd;

/// <summary>
/// Runs backward from one variable, as PyTorch's engine does on the CPU: a first pass counts, for every node and leaf
/// reachable from the root, how many gradients will arrive at it; a node runs once all of its gradients have arrived,
/// and among the nodes ready to run, the one created last runs first (PyTorch's ready queue orders by sequence number).
/// Gradients arriving at one place are summed in arrival order, which the graph fixes, so the sums (and their rounding)
/// are PyTorch's and never depend on timing. A leaf receives the sum of its gradients once (<c>AccumulateGrad</c>).
/// Both passes use explicit stacks or queues: a deep graph cannot overflow the call stack.
/// </summary>
internal static class Engine
{
    private static long s_stamp;

    public static void Run(Variable root, FloatTensor? gradient, bool retainGraph)
    {
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException("The variable does not require a gradient and has no grad_fn: nothing to differentiate (torch: \"element 0 of tensors does not require grad and does not have a grad_fn\").");
        }

        var seed = SeedGradient(root, gradient);
        if (root.GradFn is not { } start)
        {
            root.Accumulate(seed);
            return;
        }

        var stamp = Interlocked.Increment(ref s_stamp);
        CountConsumers(start, stamp);
        var pooling = GradientBuffers.Begin();
        try
        {
            Propagate(start, seed, stamp, retainGraph);
        }
        finally
        {
            if (pooling)
            {
                GradientBuffers.End();
            }
        }
    }

    /// <summary>Runs the nodes in PyTorch's order, passing gradients along. Gradient storage made by the nodes is counted
    /// while the engine holds it (<see cref="GradientBuffers"/>): held by a node's or leaf's pending sum, dropped once
    /// the node has consumed it or the leaf has accumulated it, and recycled when nothing holds it.</summary>
    private static void Propagate(Node start, FloatTensor seed, long stamp, bool retainGraph)
    {
        start.GradSum = seed;
        var anomaly = Grad.AnomalyDetectionEnabled;
        var ready = new PriorityQueue<Node, long>();
        ready.Enqueue(start, -start.Sequence);
        var gradInputs = new FloatTensor?[4];
        while (ready.TryDequeue(out var node, out _))
        {
            var gradOutput = node.GradSum;
            node.GradSum = null;
            var inputs = node.Inputs;
            if (gradInputs.Length < inputs.Length)
            {
                gradInputs = new FloatTensor?[inputs.Length];
            }

            var slots = gradInputs.AsSpan(0, inputs.Length);
            slots.Clear();
            if (gradOutput is not null)
            {
                node.CheckVersions();
                node.PrepareBackward(!retainGraph);
                node.Backward(gradOutput, slots);
                if (anomaly)
                {
                    CheckFinite(node, slots);
                }
            }

            for (var i = 0; i < inputs.Length; i++)
            {
                var input = inputs[i];
                if (!input.RequiresGrad)
                {
                    continue;
                }

                var g = slots[i];
                if (input.GradFn is { } producer)
                {
                    if (g is not null)
                    {
                        GradientBuffers.Hold(g);
                        producer.GradSum = producer.GradSum is null ? g : Sum(producer.GradSum, g);
                    }

                    if (--producer.Pending == 0)
                    {
                        ready.Enqueue(producer, -producer.Sequence);
                    }
                }
                else if (input.Stamp == stamp)
                {
                    if (g is not null)
                    {
                        GradientBuffers.Hold(g);
                        input.GradSum = input.GradSum is null ? g : Sum(input.GradSum, g);
                    }

                    if (--input.Pending == 0 && input.GradSum is { } total)
                    {
                        input.GradSum = null;
                        input.Accumulate(total); // copies: nothing the user can reach is pooled
                        GradientBuffers.Drop(total);
                    }
                }
            }

            if (gradOutput is not null)
            {
                GradientBuffers.Drop(gradOutput);
                for (var i = 0; i < slots.Length; i++)
                {
                    if (slots[i] is { } unused && !inputs[i].RequiresGrad)
                    {
                        GradientBuffers.DropIfUnheld(unused);
                    }
                }
            }

            if (!retainGraph)
            {
                node.Release();
            }
        }
    }

    private static FloatTensor SeedGradient(Variable root, FloatTensor? gradient)
    {
        if (gradient is null)
        {
            if (root.Data.Length != 1)
            {
                throw new InvalidOperationException($"Backward() without a gradient needs a single-element variable; this one has shape {FloatTensor.FormatShape(root.Shape)} (torch: \"grad can be implicitly created only for scalar outputs\"). Pass the upstream gradient.");
            }

            var one = new FloatTensor(root.Shape);
            one.Fill(1f);
            return one;
        }

        if (!gradient.Shape.SequenceEqual(root.Shape))
        {
            throw new ArgumentException($"The gradient has shape {FloatTensor.FormatShape(gradient.Shape)}; the variable has shape {FloatTensor.FormatShape(root.Shape)}.", nameof(gradient));
        }

        return gradient;
    }

    /// <summary>Marks every node and leaf reachable from <paramref name="start"/> with <paramref name="stamp"/> and
    /// counts the gradients each will receive; refuses a node an earlier backward released.</summary>
    private static void CountConsumers(Node start, long stamp)
    {
        var stack = new Stack<Node>();
        Visit(start, stamp, stack);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            foreach (var input in node.Inputs)
            {
                if (!input.RequiresGrad)
                {
                    continue;
                }

                if (input.GradFn is { } producer)
                {
                    if (producer.Stamp != stamp)
                    {
                        Visit(producer, stamp, stack);
                    }

                    producer.Pending++;
                }
                else
                {
                    if (input.Stamp != stamp)
                    {
                        input.Stamp = stamp;
                        input.Pending = 0;
                        input.GradSum = null;
                    }

                    input.Pending++;
                }
            }
        }
    }

    private static void Visit(Node node, long stamp, Stack<Node> stack)
    {
        if (node.Released)
        {
            throw new InvalidOperationException($"Trying to run backward through {node.Name} a second time: its saved tensors were freed by the first backward. Pass retainGraph: true to the first Backward() if you need to run backward twice.");
        }

        node.Stamp = stamp;
        node.Pending = 0;
        node.GradSum = null;
        stack.Push(node);
    }

    private static void CheckFinite(Node node, ReadOnlySpan<FloatTensor?> slots)
    {
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i] is { } g && !AllFinite(g))
            {
                throw new InvalidOperationException($"Function '{node.Name}' returned nan or infinite values in its {i}th output (anomaly detection).");
            }
        }
    }

    private static bool AllFinite(FloatTensor t)
    {
        for (long r = 0; r < t.RowCount; r++)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(t.Row(r)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>a + b for a pending gradient sum a and a new contribution b, both held: into a when the engine is its only
    /// holder, else into new storage; the operands' holds are dropped and the result's taken.</summary>
    private static FloatTensor Sum(FloatTensor a, FloatTensor b)
    {
        if (GradientBuffers.IsSoleHolder(a) && !ReferenceEquals(a.StorageArray, b.StorageArray))
        {
            TensorPrimitives.Add(a.AsSpan(), b.AsSpan(), a.AsSpan());
            GradientBuffers.Drop(b);
            return a;
        }

        var sum = GradientBuffers.Rent(a.Shape, zeroed: false);
        TensorPrimitives.Add(a.AsSpan(), b.AsSpan(), sum.AsSpan());
        GradientBuffers.Hold(sum);
        GradientBuffers.Drop(a);
        GradientBuffers.Drop(b);
        return sum;
    }
}
