import { describe } from 'vitest'
import { acceptorContract } from './contract.ts'

describe('ssp acceptor contract', () => acceptorContract('ssp'))
