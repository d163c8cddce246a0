"""Song learning in the zebra finch basal ganglia by node perturbation (seed 000).

HVC gives a sparse timing code (:mod:`.hvc`); LMAN adds exploratory variability to the
motor output and sends an efference copy to Area X; Area X medium spiny neurons hold
HVC synapses on spines (plastic, with an eligibility trace) and LMAN synapses on shafts
(depolarising, carrying the perturbation); VTA dopamine reports whether a rendition
was better than usual (:mod:`.model`, :mod:`.reward`). The trained model gives a synapse
table in the layout of the Area X connectome (:mod:`.synapses`), analysed by
:mod:`creditlab.analysis.connectome`.
"""
